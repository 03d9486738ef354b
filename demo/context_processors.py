"""The "Demo data" banner: on every page (signed in or not) while the demo set is loaded."""

from demo.models import DemoDataset


def demo_banner(request):
    return {"demo_dataset": DemoDataset.objects.only("as_of").first()}

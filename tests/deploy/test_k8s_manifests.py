"""The Kubernetes manifests (deploy/k8s) are valid against the API's schemas, offline (the
schemas ship with kubernetes-validate), and say what docs/operations.md says: several web
replicas with a readiness probe, workers, exactly one beat, migrations by a Job as the owner."""

from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from django.urls import resolve

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
KUBERNETES_VERSION = "1.31.0"


def _documents() -> list[tuple[str, dict]]:
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                docs.append((path.name, doc))
    return docs


def _kind(kind: str, name: str) -> dict:
    return next(
        d
        for _f, d in _documents()
        if d["kind"] == kind and d.get("metadata", {}).get("name") == name
    )


def _container(deployment: dict) -> dict:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return container


@pytest.mark.parametrize(
    ("name", "doc"),
    [(f"{f}:{d['kind']}/{d.get('metadata', {}).get('name', '')}", d) for f, d in _documents()],
)
def test_manifest_is_valid_against_the_kubernetes_schema(name, doc):
    if doc["kind"] == "Kustomization":
        pytest.skip("kustomize's own file, not an API object")
    # strict: an unknown or misspelt field is an error, not silently ignored by the cluster.
    kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_an_invalid_manifest_is_refused():
    """The check above can fail: a misspelt field in a Deployment is caught."""
    broken = _kind("Deployment", "ecrf-web")
    broken = {**broken, "spec": {**broken["spec"], "replica": 2}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_kustomization_lists_every_manifest():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    files = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files


def test_web_runs_several_replicas_behind_a_readiness_probe_that_exists():
    web = _kind("Deployment", "ecrf-web")
    assert web["spec"]["replicas"] >= 2
    probe = _container(web)["readinessProbe"]["httpGet"]
    assert resolve(probe["path"]).url_name == "healthz"
    assert web["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0


def test_exactly_one_beat_even_during_a_rollout():
    beat = _kind("Deployment", "ecrf-beat")
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"]["type"] == "Recreate"
    assert _container(beat)["command"][:4] == ["celery", "-A", "config", "beat"]


def test_workers_scale_and_outlive_a_long_export_on_shutdown():
    from exports.tasks import TIME_LIMIT

    worker = _kind("Deployment", "ecrf-worker")
    assert worker["spec"]["replicas"] >= 2
    assert _container(worker)["command"][:4] == ["celery", "-A", "config", "worker"]
    assert worker["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] >= TIME_LIMIT


def test_only_the_migration_job_has_the_owner_role():
    job = _kind("Job", "ecrf-migrate")
    env = {e["name"]: e for e in _container({"spec": job["spec"]})["env"]}
    assert env["DATABASE_OWNER_URL"]["valueFrom"]["secretKeyRef"]["key"] == "DATABASE_OWNER_URL"
    assert "migrate" in " ".join(_container({"spec": job["spec"]})["command"])
    for name in ("ecrf-web", "ecrf-worker", "ecrf-beat"):
        env = {e["name"]: e for e in _container(_kind("Deployment", name)).get("env", [])}
        assert env["DATABASE_OWNER_URL"] == {"name": "DATABASE_OWNER_URL", "value": ""}, name


def test_every_secret_reference_names_a_key_of_the_secret_and_shared_files_are_shared():
    secret = _kind("Secret", "ecrf-secrets")["stringData"]
    config = _kind("ConfigMap", "ecrf-config")["data"]
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL"} <= set(secret)
    assert config["ECRF_ENV"] == "production"
    # Several web pods and workers: export files must not be on one pod's disk.
    assert config["EXPORT_STORAGE"] in ("database", "s3")
    for _f, doc in _documents():
        for container in _pod_containers(doc):
            for env in container.get("env", []):
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["name"] == "ecrf-secrets" and ref["key"] in secret, env


def _pod_containers(doc: dict) -> list[dict]:
    if doc["kind"] in ("Deployment", "Job"):
        return doc["spec"]["template"]["spec"]["containers"]
    return []

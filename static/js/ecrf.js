// Small behaviours without inline script (the Content Security Policy forbids it).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-action='print']");
  if (button) {
    event.preventDefault();
    window.print();
  }
});

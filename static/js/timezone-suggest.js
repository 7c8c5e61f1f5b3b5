// Suggests the browser's time zone in an empty field marked data-suggest-time-zone (the
// invitation's sign-up form); the person may change it before submitting.
document.addEventListener("DOMContentLoaded", () => {
  let zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    return;
  }
  document.querySelectorAll("input[data-suggest-time-zone]").forEach((input) => {
    if (!input.value && zone) {
      input.value = zone;
    }
  });
});

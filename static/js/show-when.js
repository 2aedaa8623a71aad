/* Progressive enhancement for forms whose fields depend on a choice: an element marked
 * data-show-when="name=value1 value2" is shown only while the form's control `name` has one of
 * those values (a select, or a checked radio). Without JavaScript every field stays visible and
 * the server ignores those that do not apply. Hidden fields keep their values. */
(function () {
  "use strict";

  function currentValue(form, name) {
    const controls = form.querySelectorAll(`[name="${name}"]`);
    for (const control of controls) {
      if (control.type === "radio" || control.type === "checkbox") {
        if (control.checked) return control.value;
      } else {
        return control.value;
      }
    }
    return "";
  }

  function refresh(form) {
    form.querySelectorAll("[data-show-when]").forEach((element) => {
      const [name, values] = element.dataset.showWhen.split("=");
      element.hidden = !values.split(" ").includes(currentValue(form, name));
    });
  }

  document.querySelectorAll("form").forEach((form) => {
    if (!form.querySelector("[data-show-when]")) return;
    form.addEventListener("change", () => refresh(form));
    refresh(form);
  });
})();

/* Courses: copy buttons on code snippets and knowledge-check feedback. No dependency.
   Without JavaScript the code stays selectable and each answer still opens its <details>. */
(function () {
  "use strict";

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "absolute";
      area.style.left = "-9999px";
      document.body.appendChild(area);
      area.select();
      try { document.execCommand("copy") ? resolve() : reject(); } catch (e) { reject(e); }
      document.body.removeChild(area);
    });
  }

  document.querySelectorAll(".block-code").forEach(function (figure) {
    var button = figure.querySelector("[data-copy]");
    var code = figure.querySelector("pre code");
    var status = figure.querySelector(".copy-status");
    if (!button || !code) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      copyText(code.textContent).then(function () {
        status.textContent = document.documentElement.lang === "en" ? "Copied" : "Copié";
      }, function () {
        status.textContent = document.documentElement.lang === "en" ? "Select the text to copy it" : "Sélectionnez le texte pour le copier";
      });
      window.setTimeout(function () { status.textContent = ""; }, 2500);
    });
  });

  // A knowledge check behaves like a single-answer question: opening one answer closes the
  // others and marks the chosen one right or wrong.
  document.querySelectorAll(".knowledge-check").forEach(function (check) {
    var answers = check.querySelectorAll("details.kc-choice");
    answers.forEach(function (answer) {
      answer.addEventListener("toggle", function () {
        if (!answer.open) { return; }
        answers.forEach(function (other) {
          if (other !== answer) { other.open = false; other.classList.remove("chosen"); }
        });
        answer.classList.add("chosen");
      });
    });
  });
})();

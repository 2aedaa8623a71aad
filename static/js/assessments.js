/* Exam attempts: autosave each answer to the server, show the time left, and submit the form
   when time is up. The page works without this script (plain form POST). */
(function () {
  "use strict";
  var form = document.getElementById("attempt-form");
  if (!form) { return; }
  var answerUrl = form.getAttribute("data-answer-url");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]");
  var submitting = false;
  function msg(name, fallback) { return form.getAttribute("data-msg-" + name) || fallback; }

  function responseOf(fieldset) {
    var id = fieldset.getAttribute("data-question");
    var type = fieldset.getAttribute("data-type");
    var name = "q" + id;
    var checked, i;
    if (type === "single" || type === "true_false") {
      checked = fieldset.querySelector("input[name='" + name + "']:checked");
      if (!checked) { return null; }
      return type === "single" ? { choice: checked.value } : { value: checked.value === "true" };
    }
    if (type === "multiple") {
      var boxes = fieldset.querySelectorAll("input[name='" + name + "']:checked");
      var keys = [];
      for (i = 0; i < boxes.length; i++) { keys.push(boxes[i].value); }
      return keys.length ? { choices: keys } : null;
    }
    if (type === "numeric" || type === "short_text") {
      var input = fieldset.querySelector("input[name='" + name + "']");
      if (!input.value.trim()) { return null; }
      return type === "numeric" ? { value: input.value } : { text: input.value };
    }
    var selects = fieldset.querySelectorAll("select");
    if (type === "ordering") {
      // The ranks as chosen: the server keeps an incomplete set as a draft.
      var ranks = {}, filled = 0;
      for (i = 0; i < selects.length; i++) {
        if (selects[i].value) { filled++; ranks[selects[i].name.slice(name.length + 1)] = parseInt(selects[i].value, 10); }
      }
      return filled ? { ranks: ranks } : null;
    }
    if (type === "matching") {
      var pairs = {}, any = false;
      for (i = 0; i < selects.length; i++) {
        if (selects[i].value) { pairs[selects[i].name.slice(name.length + 1)] = selects[i].value; any = true; }
      }
      return any ? { pairs: pairs } : null;
    }
    return undefined;
  }

  function status(fieldset, text, isError) {
    var el = fieldset.querySelector(".save-status");
    if (!el) { return; }
    el.textContent = text;
    el.classList.toggle("error", !!isError);
  }

  function save(fieldset) {
    var response = responseOf(fieldset);
    if (response === undefined) {
      status(fieldset, msg("incomplete", "Classement incomplet."), false);
      return;
    }
    status(fieldset, msg("saving", "…"), false);
    fetch(answerUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf ? csrf.value : "" },
      body: JSON.stringify({ question: parseInt(fieldset.getAttribute("data-question"), 10), response: response })
    }).then(function (r) {
      return r.json().then(function (data) { return { ok: r.ok, data: data }; });
    }).then(function (res) {
      if (res.ok) {
        status(fieldset, res.data.complete === false ? msg("incomplete", "Classement incomplet.") : msg("saved", "OK"),
               false);
      } else if (res.data.result_url) {
        window.location.href = res.data.result_url;
      } else {
        status(fieldset, res.data.error || msg("error", "Erreur"), true);
      }
    }).catch(function () {
      status(fieldset, msg("offline", "Hors ligne"), true);
    });
  }

  var timers = {};
  function schedule(fieldset, delay) {
    var id = fieldset.getAttribute("data-question");
    clearTimeout(timers[id]);
    timers[id] = setTimeout(function () { save(fieldset); }, delay);
  }

  form.addEventListener("change", function (e) {
    var fieldset = e.target.closest("fieldset[data-question]");
    if (fieldset) { schedule(fieldset, 100); }
  });
  form.addEventListener("input", function (e) {
    var fieldset = e.target.closest("fieldset[data-question]");
    if (fieldset && e.target.type === "text") { schedule(fieldset, 800); }
  });
  form.addEventListener("submit", function () { submitting = true; });

  var timer = document.getElementById("timer");
  if (timer) {
    var remaining = parseInt(timer.getAttribute("data-remaining"), 10);
    var end = Date.now() + remaining * 1000;
    var out = timer.querySelector(".countdown");
    var tick = function () {
      var left = Math.max(0, Math.round((end - Date.now()) / 1000));
      var m = Math.floor(left / 60), s = left % 60;
      out.textContent = "(" + m + " " + msg("minutes", "min") + " " + (s < 10 ? "0" : "") + s + " " +
        msg("seconds", "s") + ")";
      timer.classList.toggle("low", left <= 60);
      if (left === 0 && !submitting) {
        submitting = true;
        var action = document.createElement("input");
        action.type = "hidden"; action.name = "action"; action.value = "submit";
        form.appendChild(action);
        form.submit();
        return;
      }
      setTimeout(tick, 1000);
    };
    tick();
  }
})();

// cwwatch dashboard: the copy buttons (no inline script: the page's CSP allows only this file).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("button.copy").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.getElementById(button.dataset.copy);
      var said = button.parentElement.querySelector(".copied");
      var done = function () { if (said) { said.textContent = button.dataset.done; } };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(source.value).then(done, function () {
          source.select(); document.execCommand("copy"); done();
        });
      } else {
        source.select(); document.execCommand("copy"); done();
      }
    });
  });
});

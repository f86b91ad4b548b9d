// Copy buttons for the landing page's snippets: the only script graphgate's
// pages load (the Content-Security-Policy allows no inline script).
document.querySelectorAll("button[data-copy]").forEach(function (b) {
  b.addEventListener("click", function () {
    var pre = document.getElementById(b.getAttribute("data-copy"));
    if (!pre || !navigator.clipboard) return;
    navigator.clipboard.writeText(pre.innerText).then(function () {
      b.textContent = "Copied";
      setTimeout(function () { b.textContent = "Copy"; }, 1500);
    });
  });
});

// Show the upload's progress while htmx posts a ledger file (no inline script: strict CSP).
document.addEventListener("htmx:xhr:progress", function (event) {
  var bar = document.getElementById("upload-progress");
  if (!bar || !event.detail.lengthComputable) return;
  bar.hidden = false;
  bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
});
document.addEventListener("htmx:afterRequest", function () {
  var bar = document.getElementById("upload-progress");
  if (bar) bar.hidden = true;
});

// fangpin: job progress polling (any element with data-job-status="URL").
document.querySelectorAll("[data-job-status]").forEach(function (box) {
  var bar = box.querySelector(".progress-bar");
  var text = box.querySelector("[data-job-message]");
  function poll() {
    fetch(box.dataset.jobStatus, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (s) {
      if (bar) { bar.style.width = s.progress + "%"; bar.textContent = s.progress + "%"; }
      if (text) { text.textContent = s.status_display + (s.message ? "：" + s.message : ""); }
      if (s.done) { window.location.href = s.result_url || window.location.href; return; }
      setTimeout(poll, 1000);
    }).catch(function () { setTimeout(poll, 3000); });
  }
  if (box.dataset.jobDone !== "1") { poll(); }
});

// Print buttons without inline handlers (CSP): <button data-print>打印</button>.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});

// fangpin: job progress polling (any element with data-job-status="URL").
document.querySelectorAll("[data-job-status]").forEach(function (box) {
  var bar = box.querySelector(".progress-bar");
  var text = box.querySelector("[data-job-message]");
  function poll() {
    fetch(box.dataset.jobStatus, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (s) {
      if (bar) { bar.style.width = s.progress + "%"; bar.textContent = s.progress + "%"; }
      if (text) { text.textContent = s.status === "succeeded" ? (s.message || "已完成") : s.status_display + (s.message ? "：" + s.message : ""); }
      if (s.done) {
        // Say it finished before moving on to the result (or reloading this page's final state).
        if (bar) { bar.classList.add(s.status === "failed" ? "bg-danger" : "bg-success"); }
        setTimeout(function () { window.location.href = s.result_url || window.location.href; }, 800);
        return;
      }
      setTimeout(poll, 1000);
    }).catch(function () { setTimeout(poll, 3000); });
  }
  if (box.dataset.jobDone !== "1") { poll(); }
});

// Behaviour that would otherwise be inline (the Content-Security-Policy allows no inline script):
// <select data-autosubmit> submits its form on change; <button data-print> prints the page;
// <form data-confirm="…"> asks before it is sent (a deletion).
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el.matches && el.matches("[data-autosubmit]") && el.form) { el.form.submit(); }
});
document.addEventListener("click", function (event) {
  var el = event.target.closest && event.target.closest("[data-print]");
  if (el) { event.preventDefault(); window.print(); }
});
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) { event.preventDefault(); }
});

// 走访: the "记录当前位置" button fills latitude and longitude from the device (needs HTTPS).
(function () {
  var btn = document.getElementById("fp-gps");
  if (!btn) return;
  var status = document.getElementById("fp-gps-status");
  btn.addEventListener("click", function () {
    if (!navigator.geolocation) { status.textContent = "本设备不支持定位"; return; }
    status.textContent = "正在定位…";
    navigator.geolocation.getCurrentPosition(function (pos) {
      document.getElementById("id_latitude").value = pos.coords.latitude.toFixed(6);
      document.getElementById("id_longitude").value = pos.coords.longitude.toFixed(6);
      status.textContent = pos.coords.latitude.toFixed(5) + ", " + pos.coords.longitude.toFixed(5);
    }, function (err) {
      status.textContent = "定位失败：" + err.message + (window.isSecureContext ? "" : "（定位需要 HTTPS 访问）");
    }, {enableHighAccuracy: true, timeout: 15000});
  });
})();

// Light interactivity without a framework: score sheets save themselves as options are picked,
// and the QR scanner (where the browser has a camera and BarcodeDetector) fills the QR form.
(function () {
  "use strict";
  var sheet = document.querySelector("form[data-autosave]");
  if (sheet) {
    var status = document.getElementById("save-status");
    var total = document.getElementById("running-total");
    var busy = null;
    sheet.addEventListener("change", function () {
      if (busy) { clearTimeout(busy); }
      busy = setTimeout(function () {
        var body = new FormData(sheet);
        body.set("action", "draft");
        status.textContent = sheet.dataset.saving;
        // getAttribute: the form has buttons named "action", which shadow form.action
        fetch(sheet.getAttribute("action"), { method: "POST", body: body, credentials: "same-origin",
          headers: { "X-Requested-With": "fetch" } })
          .then(function (r) { return r.json(); })
          .then(function (data) {
            status.textContent = data.message;
            if (data.ok && total && data.running_total !== undefined && data.running_total !== null) {
              total.textContent = data.running_total;
            }
          })
          .catch(function () { status.textContent = sheet.dataset.failed; });
      }, 300);
    });
  }
  var scan = document.getElementById("scan-qr");
  if (scan && "BarcodeDetector" in window && navigator.mediaDevices) {
    scan.hidden = false;
    scan.addEventListener("click", function () {
      var video = document.getElementById("scan-video");
      var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
        video.hidden = false; video.srcObject = stream; video.play();
        var tick = function () {
          detector.detect(video).then(function (codes) {
            if (codes.length) {
              stream.getTracks().forEach(function (t) { t.stop(); });
              document.getElementById("f-text").value = codes[0].rawValue;
              document.getElementById("qr-form").submit();
            } else { requestAnimationFrame(tick); }
          });
        };
        tick();
      });
    });
  }
})();

/* Renders each dashboard chart from its JSON block (<script type="application/json" id="...">).
   The page carries no inline script (CSP); the options are built on the server (charts.py). */
(function () {
  "use strict";

  function render() {
    if (typeof window.echarts === "undefined") {
      return;
    }
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      var source = document.getElementById(element.getAttribute("data-chart"));
      if (!source) {
        return;
      }
      var option;
      try {
        option = JSON.parse(source.textContent);
      } catch (error) {
        return;
      }
      var chart = window.echarts.init(element, null, { renderer: "canvas" });
      chart.setOption(option);
      element.setAttribute("data-rendered", "true");
      charts.push(chart);
    });
    var pending = null;
    window.addEventListener("resize", function () {
      if (pending) {
        window.clearTimeout(pending);
      }
      pending = window.setTimeout(function () {
        charts.forEach(function (chart) { chart.resize(); });
      }, 150);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", render);
  } else {
    render();
  }
})();

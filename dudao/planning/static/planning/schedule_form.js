/* The schedule form shows only the fields its frequency reads (the server ignores the others). */
(function () {
  "use strict";
  var SHOWN = {
    weekly: ["weekday"],
    every_n_weeks: ["weekday", "interval_weeks", "anchor_on"],
    monthly: ["day_of_month", "week_of_month", "weekday"],
    quarterly: ["month_of_quarter", "day_of_month"]
  };
  var ALL = ["weekday", "interval_weeks", "anchor_on", "day_of_month", "week_of_month", "month_of_quarter"];
  function sync(frequency) {
    var shown = SHOWN[frequency.value] || ALL;
    ALL.forEach(function (name) {
      var input = document.getElementById("id_" + name);
      if (input && input.parentElement) input.parentElement.style.display = shown.indexOf(name) < 0 ? "none" : "";
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var frequency = document.getElementById("id_frequency");
    if (!frequency) return;
    frequency.addEventListener("change", function () { sync(frequency); });
    sync(frequency);
  });
})();

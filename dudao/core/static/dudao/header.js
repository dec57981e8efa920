/* The compact header: on a phone the menu button opens the navigation, and the name opens the
   user menu (everything in .who besides the bell and the name, plus the language switch).
   Without this script the navigation opens through its #main-nav anchor and the user menu
   stays laid out inline. */
(function () {
  "use strict";

  function setUp() {
    var header = document.querySelector(".topbar");
    if (!header) { return; }
    var toggle = header.querySelector(".menu-toggle");
    if (toggle) {
      toggle.addEventListener("click", function (event) {
        event.preventDefault();
        var open = header.classList.toggle("nav-open");
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
      });
    }
    setUpGroups(header);
    var who = header.querySelector(".who");
    var name = who && who.querySelector(".who-name");
    if (!who || !name) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "who-toggle";
    button.setAttribute("aria-haspopup", "true");
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", "who-panel");
    var panel = document.createElement("div");
    panel.className = "who-panel";
    panel.id = "who-panel";
    Array.prototype.slice.call(who.children).forEach(function (child) {
      if (child !== name && !child.classList.contains("bell")) { panel.appendChild(child); }
    });
    var lang = header.querySelector(":scope > .lang");
    if (lang) { panel.appendChild(lang); }
    name.parentNode.replaceChild(button, name);
    button.appendChild(name);
    who.appendChild(panel);
    who.classList.add("menu");
    function close() {
      who.classList.remove("open");
      button.setAttribute("aria-expanded", "false");
    }
    button.addEventListener("click", function (event) {
      event.stopPropagation();
      var open = who.classList.toggle("open");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
    document.addEventListener("click", function (event) {
      if (!who.contains(event.target)) { close(); }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { close(); }
    });
  }

  /* The groups of the bar: on a phone every group stays open under its heading; on a desktop a
     group is a dropdown, one open at a time, closed by a click elsewhere or Escape. */
  function setUpGroups(header) {
    var groups = Array.prototype.slice.call(header.querySelectorAll(".nav-group"));
    if (!groups.length) { return; }
    var desktop = window.matchMedia("(min-width: 1024px)");
    function closeAll(except) {
      groups.forEach(function (group) { if (group !== except) { group.open = false; } });
    }
    function fit() {
      groups.forEach(function (group) { group.open = !desktop.matches; });
    }
    fit();
    if (desktop.addEventListener) { desktop.addEventListener("change", fit); }
    groups.forEach(function (group) {
      group.addEventListener("toggle", function () {
        if (desktop.matches && group.open) { closeAll(group); }
      });
    });
    document.addEventListener("click", function (event) {
      if (!desktop.matches) { return; }
      closeAll(groups.filter(function (group) { return group.contains(event.target); })[0]);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && desktop.matches) { closeAll(null); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();

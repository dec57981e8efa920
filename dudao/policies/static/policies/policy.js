// The policy area editor: add and remove rows of the editable tables (coverage rules, routes ...).
// A new row's inputs are named with a fresh token in place of the table's placeholder; the server
// reads rows in page order, so tokens only need to be unique.
(function () {
  "use strict";
  var counter = 0;

  function addRow(box) {
    var template = box.querySelector(":scope > template");
    var placeholder = box.getAttribute("data-placeholder");
    counter += 1;
    var html = template.innerHTML.split(placeholder).join("n" + Date.now().toString(36) + counter);
    var body = box.querySelector(":scope > .scroll-box > table > tbody");
    body.insertAdjacentHTML("beforeend", html);
    var first = body.lastElementChild && body.lastElementChild.querySelector("input:not([type=hidden]), select");
    if (first) { first.focus(); }
  }

  document.addEventListener("click", function (event) {
    var add = event.target.closest(".add-row");
    if (add) {
      event.preventDefault();
      addRow(add.closest(".rows-table"));
      return;
    }
    var remove = event.target.closest(".remove-row");
    if (remove) {
      event.preventDefault();
      remove.closest("tr").remove();
    }
  });
})();

/* The map search box: asks /api/search as the user types, lists the matches (text only, never HTML) and
   zooms the page's map to the chosen one. The map is GeoMaps.map (map pages) or GeoIntake.map (intake);
   the box also sends a `geosearch:select` event with the match, for pages that do more (the intake pin). */
(function () {
  "use strict";
  document.querySelectorAll("[data-geo-search]").forEach(function (box) {
    var input = box.querySelector("input"), list = box.querySelector("ul");
    var kinds = JSON.parse(box.dataset.kinds || "{}");
    var results = [], active = -1, timer = null, seq = 0, answered = null;

    function map() {
      return (window.GeoMaps && window.GeoMaps.map) || (window.GeoIntake && window.GeoIntake.map) || null;
    }
    function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); active = -1; }
    function render() {
      list.textContent = "";
      if (!results.length) {
        var none = document.createElement("li");
        none.className = "geo-search-empty";
        none.textContent = box.dataset.empty;
        list.appendChild(none);
      }
      results.forEach(function (r, i) {
        var li = document.createElement("li"), label = document.createElement("span"), kind = document.createElement("span");
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", i === active ? "true" : "false");
        li.dataset.kind = r.kind;
        label.textContent = r.label;
        kind.className = "geo-search-kind";
        kind.textContent = (kinds[r.kind] || r.kind) + (r.detail ? " · " + r.detail : "");
        li.appendChild(label);
        li.appendChild(kind);
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }
    function choose(i) {
      var r = results[i], m = map();
      if (!r) { return; }
      input.value = r.label;
      close();
      if (m) {
        var b = r.bbox;
        if (b[0] === b[2] && b[1] === b[3]) { m.setView([b[1], b[0]], Math.max(m.getZoom(), 18)); }
        else { m.fitBounds([[b[1], b[0]], [b[3], b[2]]], {maxZoom: 18, padding: [30, 30]}); }
      }
      box.dispatchEvent(new CustomEvent("geosearch:select", {detail: r, bubbles: true}));
      input.blur();
    }
    function ask(thenChoose) {
      var q = input.value.trim(), mine = ++seq;
      if (!q) { results = []; close(); return; }
      fetch(box.dataset.url + "?q=" + encodeURIComponent(q), {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (data) {
          if (mine !== seq) { return; }
          results = data;
          answered = q;
          active = results.length ? 0 : -1;
          render();
          if (thenChoose && results.length) { choose(0); }
        });
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(ask, 180); });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        if (!results.length) { return; }
        e.preventDefault();
        active = (active + (e.key === "ArrowDown" ? 1 : results.length - 1)) % results.length;
        render();
      } else if (e.key === "Enter") {
        e.preventDefault();
        clearTimeout(timer);
        // the list may answer an earlier text: then ask first and take the best match of the answer
        if (results.length && answered === input.value.trim()) { choose(Math.max(active, 0)); } else { ask(true); }
      } else if (e.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
    // the map under the box must not pan or zoom while the user types or scrolls the list
    if (window.L && L.DomEvent) { L.DomEvent.disableClickPropagation(box); L.DomEvent.disableScrollPropagation(box); }
  });
})();

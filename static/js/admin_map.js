/* Admin geometry: show the record's GeoJSON (the text box) on a map without tiles; redraw as it is edited. */
(function () {
  "use strict";
  var el = document.getElementById("admin-map"), box = document.getElementById("geometry");
  if (!el || !box || typeof L === "undefined") { return; }
  var map = L.map(el, {maxZoom: 19}).setView([0, 0], 2);
  var layer = L.geoJSON(null, {style: {color: "#c62828", weight: 3, fillOpacity: 0.15}}).addTo(map);
  function draw() {
    layer.clearLayers();
    var doc;
    try { doc = JSON.parse(box.value); } catch (e) { return; }
    try { layer.addData(doc); } catch (e) { return; }
    var b = layer.getBounds();
    if (b.isValid()) { map.fitBounds(b, {maxZoom: 17, padding: [12, 12]}); }
  }
  box.addEventListener("change", draw);
  draw();
})();

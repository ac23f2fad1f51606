/*
 * FieldVisit visit map.
 *
 * Upgrades each server-rendered `div.visit-map[data-map]` (which holds a
 * static SVG fallback) to an interactive Leaflet map. The page runs under a
 * strict Content-Security-Policy, so this file is loaded with `defer` and
 * every server-supplied string reaches the DOM as text, never as HTML.
 */
(function () {
  'use strict';

  const L = window.L;
  // Without Leaflet (blocked, failed to load) the SVG fallback stays.
  if (!L) return;

  const LIVE_CLASS = 'visit-map--live';
  const POINT_ZOOM = 16;

  // A missing or blank attribute is "not given", not 0 (Number('') === 0).
  function num(raw) {
    if (raw === undefined || raw.trim() === '') return null;
    const n = Number(raw);
    return Number.isFinite(n) ? n : null;
  }

  function point(lat, lon) {
    const la = num(lat);
    const lo = num(lon);
    if (la === null || lo === null || Math.abs(la) > 90 || Math.abs(lo) > 180) return null;
    return L.latLng(la, lo);
  }

  // Leaflet inserts string tooltip content with innerHTML but appends DOM
  // nodes as they are, so labels are always wrapped in a text-only element.
  function text(s) {
    const span = document.createElement('span');
    span.textContent = s;
    return span;
  }

  // Leaflet's attribution control also renders its strings as HTML; this one
  // reuses its look but sets the server's plain-text attribution as text.
  const TextAttribution = L.Control.extend({
    options: { position: 'bottomright', text: '' },
    onAdd: function () {
      const div = L.DomUtil.create('div', 'leaflet-control-attribution');
      div.textContent = this.options.text;
      return div;
    },
  });

  function addMarker(map, latlng, label, options) {
    // Without a label, keep Leaflet's default alt so the focusable pin still has a name.
    if (label) options.alt = label;
    const marker = L.marker(latlng, options).addTo(map);
    if (label) marker.bindTooltip(text(label));
  }

  function mount(el) {
    const ds = el.dataset;
    const fix = point(ds.fixLat, ds.fixLon);
    // Validate before touching the DOM so bad data leaves the fallback intact.
    if (!ds.tiles || !fix || el.classList.contains(LIVE_CLASS)) return;
    const home = point(ds.homeLat, ds.homeLon);

    const fallback = Array.from(el.childNodes);
    el.replaceChildren();
    el.classList.add(LIVE_CLASS);
    // The height comes from the stylesheet rule for LIVE_CLASS. If that rule
    // is missing (or the div is hidden) Leaflet cannot lay out a zero-height
    // map, so keep the fallback rather than show nothing.
    if (el.clientHeight === 0) {
      el.classList.remove(LIVE_CLASS);
      el.replaceChildren(...fallback);
      return;
    }

    const map = L.map(el, {
      attributionControl: false,
      // The map sits inside a scrolling page; wheel zoom would trap the scroll.
      scrollWheelZoom: false,
    });

    if (home) {
      // Capped at the single-point zoom so two close points keep street context.
      map.fitBounds(L.latLngBounds([fix, home]), { padding: [32, 32], maxZoom: POINT_ZOOM });
    } else {
      map.setView(fix, POINT_ZOOM);
    }

    const tileOptions = { maxZoom: 18 };
    if (ds.subdomains) tileOptions.subdomains = ds.subdomains;
    L.tileLayer(ds.tiles, tileOptions).addTo(map);
    if (ds.attribution) new TextAttribution({ text: ds.attribution }).addTo(map);

    const accuracy = num(ds.fixAccuracy);
    if (accuracy !== null && accuracy > 0) {
      L.circle(fix, { radius: accuracy, weight: 1, interactive: false }).addTo(map);
    }

    addMarker(map, fix, ds.labelFix, {});

    if (!home) return;

    // Same pin image as the fix; the class is a hook for CSS to tell them apart.
    addMarker(map, home, ds.labelHome, { icon: new L.Icon.Default({ className: 'visit-map__home-icon' }) });

    const line = L.polyline([fix, home], { weight: 2, dashArray: '6 6', interactive: false }).addTo(map);
    // Only the server's figure is shown, so the page never disagrees with
    // the distance recorded for the visit.
    const distance = num(ds.distanceM);
    if (ds.labelDistance && distance !== null) {
      const label = ds.labelDistance.replaceAll('{m}', String(Math.round(distance)));
      line.bindTooltip(text(label), { permanent: true, direction: 'center' });
    }
  }

  function mountAll() {
    document.querySelectorAll('div.visit-map[data-map]').forEach(mount);
  }

  // `defer` means the DOM is already parsed; the check covers a plain <script>.
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', mountAll);
  } else {
    mountAll();
  }
})();

// The map on location pages (Leaflet): drop or drag a pin, or use the device's location; the pin's
// latitude and longitude go into the form's hidden fields. Loaded only on pages with a map; every page
// works without it (the resident describes the place instead). With tiles configured (settings
// map_tile_url) they are drawn beneath; without, or when they cannot be loaded, the council's boundary
// and its streets (named) on a plain background.
import * as L from 'leaflet'

const STEP_PIXELS = 10
const ARROWS = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] }

function startMap (box) {
  const editable = box.dataset.csMap === 'pin'
  const latitude = document.getElementById('latitude')
  const longitude = document.getElementById('longitude')
  const status = box.querySelector('[data-cs-map-status]')
  box.hidden = false
  const map = L.map(box.querySelector('.cs-map__canvas'), { keyboard: editable, zoomSnap: 0.5 })
  if (editable) map.getContainer().setAttribute('aria-label', 'Map: choose where it is')
  map.attributionControl.setPrefix(false)
  let streetsDrawn = false
  const drawStreets = () => {
    if (streetsDrawn || !box.dataset.streets) return
    streetsDrawn = true
    fetch(box.dataset.streets, { headers: { Accept: 'application/geo+json' } })
      .then((answer) => (answer.ok ? answer.json() : null))
      .then((streets) => {
        if (!streets) return
        const lines = L.geoJSON(streets, {
          interactive: false,
          style: { color: '#ffffff', weight: 7, opacity: 1, className: 'cs-map__street' },
          onEachFeature: (feature, layer) => {
            const name = feature.properties?.name
            if (name) layer.bindTooltip(name, { permanent: true, direction: 'center', className: 'cs-map__street-name' })
          }
        })
        lines.addTo(map)
        lines.bringToBack()
        if (streets.properties?.illustrative) map.attributionControl.addAttribution('Streets: illustrative only')
      })
      .catch(() => {})
  }
  if (box.dataset.tiles) {
    const tiles = L.tileLayer(box.dataset.tiles, { attribution: box.dataset.attribution || '', maxZoom: 19 })
    let failed = 0
    tiles.on('tileerror', () => { if (++failed >= 4) drawStreets() }) // tiles unreachable: draw our own
    tiles.addTo(map)
  } else {
    drawStreets()
  }
  const given = editable ? [latitude?.value, longitude?.value] : [box.dataset.latitude, box.dataset.longitude]
  const pinned = given[0] && given[1] ? L.latLng(Number(given[0]), Number(given[1])) : null
  map.setView(pinned || [54.0, -2.0], pinned ? 16 : 6)

  const icon = L.divIcon({ className: 'cs-map__pin', iconSize: [24, 24], iconAnchor: [12, 24] })
  let marker = null
  const say = (text) => { if (status) status.textContent = text }
  const place = (where) => {
    if (!marker) {
      marker = L.marker(where, { icon, draggable: editable, keyboard: editable, title: 'The pin', alt: 'The pin' })
      marker.addTo(map)
      if (editable) {
        marker.on('dragend', () => place(marker.getLatLng()))
        marker.getElement()?.addEventListener('keydown', (event) => {
          const step = ARROWS[event.key]
          if (!step) return
          event.preventDefault()
          const point = map.latLngToContainerPoint(marker.getLatLng()).add(L.point(step).multiplyBy(STEP_PIXELS))
          place(map.containerPointToLatLng(point))
        })
      }
    } else {
      marker.setLatLng(where)
    }
    if (editable) {
      latitude.value = where.lat.toFixed(6)
      longitude.value = where.lng.toFixed(6)
      say(`The pin is at latitude ${latitude.value}, longitude ${longitude.value}.`)
    }
  }
  if (pinned) place(pinned)

  if (box.dataset.boundary) {
    fetch(box.dataset.boundary, { headers: { Accept: 'application/geo+json' } })
      .then((answer) => (answer.ok ? answer.json() : null))
      .then((area) => {
        if (!area) return
        const outline = L.geoJSON(area, { interactive: false, style: { color: '#1d70b8', weight: 3, fillOpacity: 0.06 } })
        outline.addTo(map)
        if (area.properties?.illustrative) map.attributionControl.addAttribution('Boundary: illustrative only')
        if (!pinned) map.fitBounds(outline.getBounds())
      })
      .catch(() => {})
  }
  if (!editable) return
  map.on('click', (event) => place(event.latlng))
  box.querySelector('[data-cs-map-centre]')?.addEventListener('click', () => place(map.getCenter()))
  const locate = box.querySelector('[data-cs-map-locate]')
  if (!('geolocation' in navigator)) {
    locate?.remove()
  } else {
    locate?.addEventListener('click', () => {
      say('Finding your location…')
      navigator.geolocation.getCurrentPosition(
        (found) => {
          const here = L.latLng(found.coords.latitude, found.coords.longitude)
          map.setView(here, 17)
          place(here)
        },
        () => say('Your location could not be found. Drop the pin on the map, or describe the place instead.'),
        { enableHighAccuracy: true, timeout: 10000 }
      )
    })
  }
}

for (const box of document.querySelectorAll('[data-cs-map]')) startMap(box)

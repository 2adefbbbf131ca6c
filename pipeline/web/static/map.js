// crosswarn web view: draws each .map element as an SVG from the server's GeoJSON (no
// external library, no tiles: it works offline) and loads a region's details in place.
// The page works without this script: the region list links carry the same choices.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
// Longitude shrinks with latitude: about cos(51°) across the Benelux keeps shapes true.
const ASPECT = Math.cos((51 * Math.PI) / 180);
const SCALE = 100; // SVG units per degree

function project([lon, lat]) {
  return [lon * ASPECT * SCALE, -lat * SCALE];
}

function rings(geometry) {
  if (geometry.type === "Polygon") return geometry.coordinates;
  if (geometry.type === "MultiPolygon") return geometry.coordinates.flat();
  return [];
}

function pathData(geometry) {
  return rings(geometry)
    .map((ring) => "M" + ring.map((p) => project(p).map((v) => v.toFixed(1)).join(" ")).join("L") + "Z")
    .join("");
}

function bounds(features) {
  const box = [Infinity, Infinity, -Infinity, -Infinity];
  for (const feature of features) {
    for (const ring of rings(feature.geometry)) {
      for (const point of ring) {
        const [x, y] = project(point);
        box[0] = Math.min(box[0], x);
        box[1] = Math.min(box[1], y);
        box[2] = Math.max(box[2], x);
        box[3] = Math.max(box[3], y);
      }
    }
  }
  return box;
}

async function getJSON(url) {
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) throw new Error(url + ": " + response.status);
  return response.json();
}

// Levels by region: the public warnings of one source, or one consultation's regions.
async function levelsFor(element) {
  if (element.dataset.trigger) {
    const data = await getJSON("/api/consultations/" + encodeURIComponent(element.dataset.trigger));
    return data.regions;
  }
  const data = await getJSON("/api/warnings?source=" + encodeURIComponent(element.dataset.source));
  const levels = {};
  for (const feature of data.features) levels[feature.properties.region] = feature.properties.level;
  return levels;
}

async function drawMap(element, shapes) {
  const levels = await levelsFor(element);
  const words = JSON.parse(element.dataset.levels || "{}");
  const country = element.dataset.country;
  const selectable = !element.dataset.trigger;
  const features = shapes.features.filter((f) => !country || f.properties.country === country);
  const [x0, y0, x1, y1] = bounds(features);
  const pad = 5;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", [x0 - pad, y0 - pad, x1 - x0 + 2 * pad, y1 - y0 + 2 * pad].join(" "));
  svg.setAttribute("class", "map-svg");
  svg.setAttribute("role", "group");
  svg.setAttribute("aria-label", element.dataset.label || "map");
  // Unwarned regions first, so warned outlines are drawn on top.
  const ordered = features.slice().sort((a, b) => (a.id in levels) - (b.id in levels));
  for (const feature of ordered) {
    const level = levels[feature.id] || "none";
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", pathData(feature.geometry));
    path.setAttribute("class", "region level-" + level);
    path.dataset.region = feature.id;
    path.dataset.level = level;
    const label = feature.properties.name + " (" + feature.id + "): " + (words[level] || level);
    const title = document.createElementNS(SVG, "title");
    title.textContent = label;
    path.appendChild(title);
    if (feature.id in levels && selectable) {
      path.setAttribute("tabindex", "0");
      path.setAttribute("role", "button");
      path.setAttribute("aria-label", label);
      path.addEventListener("click", () => select(element, feature.id));
      path.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          select(element, feature.id);
        }
      });
    } else {
      path.setAttribute("aria-hidden", "true");
    }
    svg.appendChild(path);
  }
  element.replaceChildren(svg);
  if (element.dataset.selected) mark(element, element.dataset.selected);
}

function mark(element, region) {
  for (const path of element.querySelectorAll("path.region")) {
    path.classList.toggle("selected", path.dataset.region === region);
  }
  for (const link of document.querySelectorAll(".regions a[data-region]")) {
    if (link.dataset.region === region) link.setAttribute("aria-current", "true");
    else link.removeAttribute("aria-current");
  }
}

async function select(element, region) {
  const params = new URLSearchParams(window.location.search);
  params.set("region", region);
  params.set("source", element.dataset.source);
  params.set("lang", element.dataset.lang);
  const response = await fetch("/fragments/region?" + params.toString());
  if (!response.ok) return;
  const panel = document.getElementById("panel");
  panel.innerHTML = await response.text();
  mark(element, region);
  history.replaceState(null, "", "?" + params.toString() + "#details");
  for (const link of document.querySelectorAll("header a[hreflang]")) {
    const target = new URL(link.href);
    target.searchParams.set("region", region);
    link.href = target.toString();
  }
  document.getElementById("details").focus();
}

async function start() {
  const maps = document.querySelectorAll(".map");
  if (maps.length === 0) return;
  const shapes = await getJSON("/api/regions");
  await Promise.all(Array.from(maps, (element) => drawMap(element, shapes)));
  const main = document.getElementById("map");
  if (!main) return;
  for (const link of document.querySelectorAll(".regions a[data-region]")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      select(main, link.dataset.region);
    });
  }
}

document.addEventListener("DOMContentLoaded", start);

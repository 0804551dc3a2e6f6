#include "server/web_assets.h"

namespace limitnet::server {

// Polls /devices (its first page) once a second and shows each device's newest image. Text is inserted with
// textContent only (never innerHTML), so nothing a device sends can become markup.
const char kIndexHtml[] = R"HTML(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>LimitNet receiver</title>
<style>
  body { font-family: sans-serif; margin: 1em; background: #f4f4f4; }
  #devices { display: flex; flex-wrap: wrap; gap: 1em; }
  .card { background: white; border-radius: 6px; padding: 0.6em; width: 270px; box-shadow: 0 1px 3px #0003; }
  .card img { width: 256px; height: auto; image-rendering: pixelated; background: #222; display: block; }
  .device { font-weight: bold; font-family: monospace; }
  .label { font-size: 1.2em; margin: 0.3em 0; }
  .kind { font-size: 0.8em; color: #a05000; }
  .stats { font-size: 0.8em; color: #555; }
  .bar { height: 6px; background: #ddd; } .bar div { height: 6px; background: #3a7; }
</style>
</head>
<body>
<h1>LimitNet receiver</h1>
<p id="status">loading...</p>
<div id="devices"></div>
<script>
"use strict";
const cards = new Map();

function card(id) {
  if (cards.has(id)) return cards.get(id);
  const c = document.createElement("div");
  c.className = "card";
  c.id = "device-" + id;
  const name = document.createElement("div"); name.className = "device"; name.textContent = id;
  const img = document.createElement("img"); img.className = "recon"; img.alt = "latest image of " + id;
  img.onload = () => img.setAttribute("data-loaded", "1");
  const label = document.createElement("div"); label.className = "label";
  const kind = document.createElement("div"); kind.className = "kind";
  const bar = document.createElement("div"); bar.className = "bar"; bar.appendChild(document.createElement("div"));
  const stats = document.createElement("div"); stats.className = "stats";
  c.append(name, img, label, kind, bar, stats);
  document.getElementById("devices").appendChild(c);
  const parts = { c, img, label, kind, bar: bar.firstChild, stats, src: "" };
  cards.set(id, parts);
  return parts;
}

function show(dev) {
  const im = dev.latest_image;
  if (!im) return;
  const p = card(dev.id);
  const r = im.result;
  if (r && r.image_kind) {
    const src = im.reconstruction_url + "?t=" + r.computed_ms;
    if (src !== p.src) { p.src = src; p.img.src = src; }
  }
  if (r && r.top_k && r.top_k.length > 0) {
    const top = r.top_k[0];
    p.label.textContent = top.name + " (" + (100 * top.probability).toFixed(1) + "%)";
  } else if (r) {
    p.label.textContent = "no class: " + r.status;
  } else {
    p.label.textContent = "waiting for inference";
  }
  p.kind.textContent = r && r.image_kind === "latent" ? "latent visualisation (not a reconstruction)" :
                       r && r.image_kind === "reconstruction" ? "reconstruction" : "";
  const frac = im.values_sent ? im.values_received / im.values_sent : 0;
  p.bar.style.width = (100 * frac).toFixed(1) + "%";
  p.stats.textContent = "image " + im.id + " (#" + im.image_id + "): " + im.packets + " packets, " + im.bytes +
      " bytes, " + im.values_received + "/" + im.values_sent + " values, updated " +
      new Date(im.last_packet_ms).toLocaleTimeString();
}

async function poll() {
  try {
    const res = await fetch("/devices", { cache: "no-store" });
    const devices = await res.json();
    devices.forEach(show);
    // /devices is paged (first 100 by id); say so when there are more.
    const total = Number(res.headers.get("X-Total-Count") || devices.length);
    document.getElementById("status").textContent = (total > devices.length ? devices.length + " of " + total : total) +
        " devices, updated " + new Date().toLocaleTimeString();
  } catch (e) {
    document.getElementById("status").textContent = "cannot reach the service: " + e;
  }
  setTimeout(poll, 1000);
}
poll();
</script>
</body>
</html>
)HTML";

}  // namespace limitnet::server

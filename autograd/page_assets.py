"""The step-through page's style and script, inlined into every page (no network).

The script reads the steps from the page's JSON and replays them on the inline SVG: it
rewrites each record's gradient field, marks the current node and its edges, labels those
edges with their local derivatives and explains a clicked node's chain-rule sum.
"""

STYLE = r"""
* { box-sizing: border-box; }
body { margin: 0; padding: 10px 14px; color: #1e293b; background: #fff;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
h1 { font-size: 16px; margin: 0 0 6px; font-weight: 600; }
#controls { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; }
#controls button { font: inherit; min-width: 2.4em; padding: 3px 10px; cursor: pointer;
  border: 1px solid #94a3b8; border-radius: 5px; background: #f8fafc; color: #1e293b; }
#controls button:hover:not(:disabled) { background: #e2e8f0; }
#controls button:disabled { color: #94a3b8; cursor: default; }
#slider { flex: 1 1 200px; min-width: 120px; }
#counter { font-variant-numeric: tabular-nums; color: #475569; min-width: 7em; }
#caption { margin: 8px 0; padding: 6px 10px; border-left: 4px solid #ea580c;
  background: #fff7ed; min-height: 2.2em; }
#main { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
#graph { flex: 1 1 560px; overflow: auto; min-width: 0; border: 1px solid #e2e8f0;
  border-radius: 6px; max-height: calc(100vh - 170px); min-height: 160px; }
#graph.fit svg { width: 100%; height: auto; }
#panel { flex: 1 0 300px; max-width: 420px; max-height: calc(100vh - 170px); overflow: auto;
  padding: 8px 10px;
  border: 1px solid #e2e8f0; border-radius: 6px; background: #f8fafc; font-size: 13px; }
#panel h2 { font-size: 15px; margin: 0 0 2px; word-break: break-word; }
#panel .kind { color: #64748b; margin-bottom: 6px; }
#panel dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 8px; margin: 0; }
#panel dt { color: #64748b; }
#panel dd { margin: 0; }
#panel pre, #panel .num { font: 12px/1.35 ui-monospace, "DejaVu Sans Mono", monospace; }
#panel pre { margin: 0; white-space: pre; overflow-x: auto; }
#panel h3 { font-size: 13px; margin: 10px 0 4px; }
#panel ol { margin: 4px 0; padding-left: 18px; }
#panel li { margin-bottom: 4px; }
#panel li.pending { color: #94a3b8; }
#panel .total { border-top: 1px solid #cbd5e1; padding-top: 4px; }
#panel .hint { color: #64748b; }
#legend { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 8px; font-size: 12px; }
#legend span { padding: 1px 7px; border: 1px solid; border-radius: 8px; }
#legend .const { border-radius: 0; }
#legend .unreached { border-style: dashed; color: #94a3b8; }
svg .node { cursor: pointer; }
svg .node.unreached path, svg .node.unreached polygon { stroke-dasharray: 5 2; }
svg .node.unreached text { fill: #94a3b8; }
svg .node.current path { fill: #ffedd5; stroke: #ea580c; stroke-width: 2.5; }
svg .node.current polyline { stroke: #ea580c; }
svg .node.selected path, svg .node.selected polygon { stroke: #2563eb; stroke-width: 3; }
svg .node.hot ellipse { stroke: #ea580c; stroke-width: 2; }
svg .edge.hot path { stroke: #ea580c; stroke-width: 2; }
svg .edge.hot polygon { stroke: #ea580c; fill: #ea580c; }
svg .step-label { pointer-events: none; }
svg .step-label rect { fill: #fff; fill-opacity: 0.9; stroke: #fdba74; }
svg .step-label text { fill: #c2410c; font: 10px Helvetica, Arial, sans-serif; }
"""

SCRIPT = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("chainrule-data").textContent);
  var nodes = data.nodes, steps = data.steps, total = steps.length;
  var graph = document.getElementById("graph"), svg = graph.querySelector("svg");
  var caption = document.getElementById("caption"), slider = document.getElementById("slider");
  var counter = document.getElementById("counter"), panel = document.getElementById("panel");
  var buttons = {};
  ["home", "prev", "play", "next", "end", "fit"].forEach(function (name) {
    buttons[name] = document.getElementById(name);
  });
  var SVGNS = "http://www.w3.org/2000/svg";
  var layer = document.createElementNS(SVGNS, "g");
  svg.querySelector("g.graph").appendChild(layer);
  var step = 0, selected = -1, timer = null, hot = [];

  var groups = nodes.map(function (n) { return document.getElementById(n.id); });
  var fields = nodes.map(function (n, i) {
    var texts = groups[i] ? Array.prototype.slice.call(groups[i].querySelectorAll("text")) : [];
    return n.gradLines ? texts.slice(texts.length - n.gradLines) : [];
  });
  // For each drawn node, what every consumer's step adds to it, in step order.
  var terms = nodes.map(function () { return []; });
  steps.forEach(function (s, k) {
    s.terms.forEach(function (t) { if (t.to >= 0) terms[t.to].push({step: k + 1, s: s, t: t}); });
  });
  groups.forEach(function (g, i) {
    if (g) g.addEventListener("click", function () { select(i); });
  });

  function applied(i) {  // the terms of node i applied after `step` steps
    return terms[i].filter(function (x) { return x.step <= step; });
  }
  function setLines(texts, text) {
    var lines = text.split("\n");
    texts.forEach(function (el, j) {
      el.textContent = j < texts.length - 1 ? (lines[j] || "") : lines.slice(j).join(" ");
    });
  }
  function recordText(i) {
    var n = nodes[i], done = applied(i);
    if (n.seed !== null) return n.seed;
    return done.length ? done[done.length - 1].t.record : "grad \u2026";
  }
  function reached(i) {
    return nodes[i].seed !== null || !nodes[i].requiresGrad || applied(i).length > 0;
  }
  function mark(id) {
    var el = document.getElementById(id);
    if (el) { el.classList.add("hot"); hot.push(el); }
    return el;
  }
  function overlaps(a, b) {
    return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height &&
      b.y < a.y + a.height;
  }
  // A label at the middle of the edge, moved up or down to free space if nodes or the
  // labels placed before are in the way.
  var obstacles = null;
  function edgeLabel(edge, lines, placed) {
    var path = edge.querySelector("path");
    if (!path) return;
    if (obstacles === null) {
      obstacles = Array.prototype.map.call(svg.querySelectorAll("g.node"), function (g) {
        return g.getBBox();
      });
    }
    var at = path.getPointAtLength(path.getTotalLength() / 2);
    var g = document.createElementNS(SVGNS, "g"), rect = document.createElementNS(SVGNS, "rect");
    var text = document.createElementNS(SVGNS, "text");
    g.setAttribute("class", "step-label");
    text.setAttribute("text-anchor", "middle");
    lines.forEach(function (line, j) {
      var span = document.createElementNS(SVGNS, "tspan");
      span.setAttribute("x", at.x);
      span.setAttribute("dy", j === 0 ? 0 : 11);
      span.textContent = line;
      text.appendChild(span);
    });
    g.appendChild(rect);
    g.appendChild(text);
    layer.appendChild(g);
    text.setAttribute("y", at.y);
    var box = text.getBBox(), base = at.y - box.height / 2 + (at.y - box.y), best = base;
    var bounds = svg.querySelector("g.graph > polygon").getBBox();
    var dx = Math.max(bounds.x - box.x, Math.min(0, bounds.x + bounds.width - box.x - box.width));
    Array.prototype.forEach.call(text.childNodes, function (span) {
      span.setAttribute("x", at.x + dx);  // kept inside the picture, left and right
    });
    box = text.getBBox();
    function free(y) {
      var b = {x: box.x, y: box.y + y - at.y, width: box.width, height: box.height};
      return b.y >= bounds.y && b.y + b.height <= bounds.y + bounds.height &&
        !obstacles.concat(placed).some(function (o) { return overlaps(o, b); });
    }
    for (var i = 1; i < 24; i++) {  // base, then below and above, further and further
      var y = base + (i % 2 ? 1 : -1) * Math.floor(i / 2) * (box.height / 2 + 2);
      if (free(y)) { best = y; break; }
    }
    text.setAttribute("y", best);
    box = text.getBBox();
    placed.push(box);
    rect.setAttribute("x", box.x - 2);
    rect.setAttribute("y", box.y - 1);
    rect.setAttribute("width", box.width + 4);
    rect.setAttribute("height", box.height + 2);
  }
  function reveal(el) {
    var box = el.getBoundingClientRect(), view = graph.getBoundingClientRect();
    if (box.left < view.left || box.right > view.right) {
      graph.scrollLeft += box.left - view.left - (view.width - box.width) / 2;
    }
    if (box.top < view.top || box.bottom > view.bottom) {
      graph.scrollTop += box.top - view.top - (view.height - box.height) / 2;
    }
  }

  function gets(s, t) {
    return s.scalar ? t.name + " gets " + t.local + " \u00d7 " + s.grad + " = " + t.added
      : t.name + " gets " + t.added;
  }
  function captionText() {
    var head = "step " + step + " of " + total + ": ";
    if (step === 0) {
      return head + "nothing applied yet; the backward pass starts at " + data.root +
        " with grad " + data.seed + (total ? ". Press \u2192 or Next." : " and has no steps.");
    }
    var s = steps[step - 1], shown = s.terms.slice(0, 4).map(function (t) { return gets(s, t); });
    if (s.terms.length > 4) shown.push("and " + (s.terms.length - 4) + " more");
    var where = s.node < 0 ? "outside the picture, " : "";
    var text = head + where + s.who + " (grad " + s.grad + ") passes its gradient to its " +
      "inputs" + (shown.length ? ": " + shown.join("; ") : "") + ".";
    return step === total ? text + " Done: every gradient is complete." : text;
  }

  function render() {
    hot.forEach(function (el) { el.classList.remove("hot"); });
    hot = [];
    layer.textContent = "";
    var s = step > 0 ? steps[step - 1] : null;
    groups.forEach(function (g, i) {
      if (!g) return;
      g.classList.toggle("unreached", !reached(i));
      g.classList.toggle("current", s !== null && s.node === i);
      g.classList.toggle("selected", i === selected);
      setLines(fields[i], recordText(i));
    });
    if (s !== null && s.node >= 0) {
      var id = nodes[s.node].id;
      mark(id + "_op");
      mark(id + "_op_out");
      var placed = [];
      s.terms.forEach(function (t) {
        if (t.to < 0) return;
        var edge = mark(id + "_op_in" + t.slot);
        if (edge) edgeLabel(edge, t.edge, placed);
      });
      reveal(groups[s.node]);
    } else if (s === null && groups[0]) {
      reveal(groups[0]);  // the root, where the pass starts
    }
    caption.textContent = captionText();
    counter.textContent = step + " / " + total;
    slider.value = String(step);
    buttons.home.disabled = buttons.prev.disabled = step === 0;
    buttons.next.disabled = buttons.end.disabled = step === total;
    buttons.play.disabled = total === 0;
    if (selected >= 0) explain(selected);
  }

  function el(tag, className, text) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function value(text) { return el(text.indexOf("\n") >= 0 ? "pre" : "span", "num", text); }
  function row(dl, name, content, className) {
    dl.appendChild(el("dt", "", name));
    var dd = el("dd", className);
    dd.appendChild(typeof content === "string" ? value(content) : content);
    dl.appendChild(dd);
  }
  function explain(i) {
    var n = nodes[i], done = applied(i), name = n.name || n.title;
    panel.textContent = "";
    panel.appendChild(el("h2", "p-name", name));
    panel.appendChild(el("div", "kind", n.kind + (n.op ? ", made by " + n.op : "")));
    var dl = el("dl");
    if (n.shape !== null) row(dl, "shape", n.shape + "  " + n.dtype);
    row(dl, "data", n.data, "p-data");
    var grad;
    if (!n.requiresGrad) grad = "none: a constant gets no gradient";
    else if (n.seed !== null) grad = n.seedLong;
    else if (done.length) grad = done[done.length - 1].t.total;
    else grad = "not reached yet";
    row(dl, "grad so far", grad, "p-grad");
    panel.appendChild(dl);
    if (!n.requiresGrad) return;
    panel.appendChild(el("h3", "", "The chain rule"));
    if (n.seed !== null) {
      panel.appendChild(el("p", "p-seed", "grad(" + name + ") = " + n.seedLong +
        ": the seed, d" + name + "/d" + name + ", where every backward pass starts."));
      return;
    }
    panel.appendChild(el("p", "", "grad(" + name + ") is the sum, over the nodes that use it, " +
      "of what each one's step adds" + (data.scalar ? ": local derivative \u00d7 its grad." :
      " (the local derivative applied to its grad).")));
    var list = el("ol");
    terms[i].forEach(function (x) {
      var li = el("li", "p-term " + (x.step <= step ? "applied" : "pending"));
      li.dataset.step = String(x.step);
      li.appendChild(document.createTextNode("step " + x.step + ", from " + x.s.who + ": "));
      if (x.s.scalar) {
        li.appendChild(document.createTextNode("local "));
        li.appendChild(el("span", "num local", x.t.localLong));
        li.appendChild(document.createTextNode(" \u00d7 grad "));
        li.appendChild(el("span", "num upstream", x.s.gradLong));
        li.appendChild(document.createTextNode(" = "));
        li.appendChild(el("span", "num added", x.t.addedLong));
      } else {
        li.appendChild(document.createTextNode("adds "));
        var added = value(x.t.addedLong);
        added.classList.add("added");
        li.appendChild(added);
      }
      if (x.step > step) li.appendChild(document.createTextNode(" (not applied yet)"));
      list.appendChild(li);
    });
    panel.appendChild(list);
    var sum = el("div", "total", done.length === terms[i].length ? "sum: " : "sum so far: ");
    sum.appendChild(value(done.length ? done[done.length - 1].t.total : "0"));
    panel.appendChild(sum);
  }
  function select(i) { selected = i; render(); }

  function goto(k) {
    k = Math.round(Number(k));
    step = Math.max(0, Math.min(total, isFinite(k) ? k : 0));
    render();
    return step;
  }
  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    buttons.play.textContent = "\u25b6 play";
  }
  function play() {
    if (timer !== null) { stop(); return; }
    if (step === total) goto(0);
    buttons.play.textContent = "\u275a\u275a pause";
    timer = setInterval(function () { if (step >= total) stop(); else goto(step + 1); }, 800);
  }
  buttons.home.addEventListener("click", function () { stop(); goto(0); });
  buttons.prev.addEventListener("click", function () { stop(); goto(step - 1); });
  buttons.next.addEventListener("click", function () { stop(); goto(step + 1); });
  buttons.end.addEventListener("click", function () { stop(); goto(total); });
  buttons.play.addEventListener("click", play);
  buttons.fit.addEventListener("click", function () {
    buttons.fit.textContent = graph.classList.toggle("fit") ? "actual size" : "fit width";
  });
  slider.max = String(total);
  slider.addEventListener("input", function () { stop(); goto(slider.value); });
  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    var keys = {
      ArrowLeft: function () { stop(); goto(step - 1); },
      ArrowRight: function () { stop(); goto(step + 1); },
      Home: function () { stop(); goto(0); },
      End: function () { stop(); goto(total); },
      " ": play
    };
    if (keys[e.key]) { e.preventDefault(); keys[e.key](); }
  });
  // Start scaled to the width when that keeps the text at least 75 % of its size; an
  // iframe may not be laid out yet, so decide once the picture's box has a width.
  var natural = parseFloat(svg.getAttribute("width")) * 4 / 3;  // pt to px
  function autoFit() {
    if (!graph.clientWidth) return false;
    if (natural <= graph.clientWidth / 0.75) buttons.fit.click();
    return true;
  }
  if (!autoFit() && window.ResizeObserver) {
    var watch = new ResizeObserver(function () { if (autoFit()) watch.disconnect(); });
    watch.observe(graph);
  }
  window.chainrule = { get step() { return step; }, steps: total, goto: goto };
  render();
})();
"""

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{style}</style>
</head>
<body>
<h1>{title}</h1>
<div id="controls">
<button id="home" title="first (Home)">&laquo; first</button>
<button id="prev" title="previous step (Left)">&#x25c0; prev</button>
<button id="play" title="play or pause (Space)">&#x25b6; play</button>
<button id="next" title="next step (Right)">next &#x25b6;</button>
<button id="end" title="last (End)">last &raquo;</button>
<input id="slider" type="range" min="0" max="0" value="0" aria-label="step">
<span id="counter"></span>
<button id="fit" title="scale the picture to the width">fit width</button>
</div>
<p id="caption" aria-live="polite"></p>
<div id="main">
<div id="graph">{svg}</div>
<aside id="panel"><p class="hint">Click a node to see its data, its gradient so far and the
chain-rule sum that makes it. Keys: Left and Right step, Space plays, Home and End jump.</p>
</aside>
</div>
<div id="legend">{legend}</div>
<script type="application/json" id="chainrule-data">{data}</script>
<script>{script}</script>
</body>
</html>
"""

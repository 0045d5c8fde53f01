/* Draws the dashboard charts with ECharts from the JSON each chart carries (json_script), and
   opens the records behind a bar when it is clicked. No data is computed here.
   ECharts renders a tooltip formatter's answer as HTML: every value from the data (category
   and series names are what users typed: customers, products, teams) goes through text(). */
(function () {
  "use strict";
  var ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  function text(value) {
    return String(value === null || value === undefined ? "" : value).replace(/[&<>"']/g, function (c) { return ENTITIES[c]; });
  }
  function percent(value) { return value === null ? "—" : Math.round(value * 1000) / 10 + "%"; }
  function amount(value) { return value === null ? "—" : Number(value).toLocaleString(); }

  function option(spec) {
    var hasLine = spec.series.some(function (s) { return s.line; });
    var allPercent = spec.series.every(function (s) { return s.percent; });
    var axes = [{ type: "value", axisLabel: { formatter: allPercent ? function (v) { return percent(v); } : undefined } }];
    var mixed = hasLine && spec.series.some(function (s) { return s.line && s.percent; }) && !allPercent;
    if (mixed) { axes.push({ type: "value", max: 1, axisLabel: { formatter: function (v) { return percent(v); } } }); }
    return {
      title: { text: spec.title, textStyle: { fontSize: 14 } },
      tooltip: {
        trigger: "axis",
        valueFormatter: undefined,
        formatter: function (items) {
          var lines = [items.length ? text(items[0].axisValueLabel) : ""];
          items.forEach(function (item) {
            var s = spec.series[item.seriesIndex];
            // item.marker is ECharts' own coloured dot; everything else is text.
            lines.push(item.marker + text(s.name) + ": " + text(s.percent ? percent(item.value) : amount(item.value)));
          });
          return lines.join("<br>");
        }
      },
      legend: { top: 24, type: "scroll" },
      grid: { top: 64, left: 8, right: 8, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: spec.categories, axisLabel: { interval: 0, rotate: spec.categories.length > 6 ? 30 : 0 } },
      yAxis: axes,
      series: spec.series.map(function (s) {
        return {
          name: s.name,
          type: s.line ? "line" : "bar",
          stack: s.stack || undefined,
          yAxisIndex: mixed && s.line && s.percent ? 1 : 0,
          data: s.data,
          emphasis: { focus: "series" }
        };
      })
    };
  }

  function draw(node) {
    var source = document.getElementById(node.getAttribute("data-chart"));
    if (!source || !window.echarts) { return; }
    var spec = JSON.parse(source.textContent);
    if (!spec.categories.length) {
      node.classList.add("chart-empty");
      node.textContent = node.closest("[data-empty]") ? node.closest("[data-empty]").getAttribute("data-empty") : "—";
      return;
    }
    var chart = window.echarts.init(node);
    chart.setOption(option(spec));
    chart.on("click", function (params) {
      var link = spec.links && spec.links[params.dataIndex];
      if (link) { window.location.href = link; }
    });
    if (spec.links && spec.links.length) { node.style.cursor = "pointer"; }
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-chart]").forEach(draw);
  });
})();

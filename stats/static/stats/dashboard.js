// fangpin 统计: the dashboard charts (ECharts, served locally) and the sortable region table.
(function () {
  var data = JSON.parse(document.getElementById("stats-charts").textContent);
  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) { return; }
    var c = echarts.init(el);
    c.setOption(option);
    window.addEventListener("resize", function () { c.resize(); });
  }
  chart("chart-categories", {
    tooltip: {trigger: "item", formatter: "{b}：{c}户（{d}%）"},
    legend: {bottom: 0},
    series: [{type: "pie", radius: ["35%", "65%"], data: data.categories, label: {formatter: "{b}\n{c}户"}}]
  });
  chart("chart-risks", {
    tooltip: {trigger: "axis"},
    grid: {left: 100, right: 20, top: 10, bottom: 20},
    xAxis: {type: "value", minInterval: 1},
    yAxis: {type: "category", data: data.risks.names.slice().reverse()},
    series: [{type: "bar", data: data.risks.values.slice().reverse(), name: "户数"}]
  });
  chart("chart-months", {
    tooltip: {trigger: "axis"},
    legend: {bottom: 0},
    grid: {left: 40, right: 20, top: 10, bottom: 50},
    xAxis: {type: "category", data: data.months},
    yAxis: {type: "value", minInterval: 1},
    series: [
      {type: "bar", name: data.year + "年识别", data: data.identified},
      {type: "bar", name: data.year + "年消除", data: data.eliminated}
    ]
  });

  var table = document.getElementById("children-table");
  if (!table) { return; }
  table.querySelectorAll("th[data-sort]").forEach(function (th, col) {
    th.addEventListener("click", function () {
      var asc = th.dataset.dir !== "asc";
      table.querySelectorAll("th[data-sort]").forEach(function (o) { delete o.dataset.dir; o.removeAttribute("aria-sort"); });
      th.dataset.dir = asc ? "asc" : "desc";
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[col].textContent.trim(), y = b.cells[col].textContent.trim();
        var r = th.dataset.sort === "num" ? Number(x) - Number(y) : x.localeCompare(y, "zh-CN");
        return asc ? r : -r;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
})();

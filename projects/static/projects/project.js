// fangpin 项目页: the project's payments over time, cumulative against its allocated funds.
(function () {
  var node = document.getElementById("payments-chart-data");
  var el = document.getElementById("chart-payments");
  if (!node || !el || !window.echarts) { return; }
  var data = JSON.parse(node.textContent);
  if (!data.dates.length) { el.style.display = "none"; return; }
  var c = echarts.init(el);
  c.setOption({
    tooltip: {trigger: "axis"},
    legend: {bottom: 0},
    grid: {left: 60, right: 20, top: 20, bottom: 50},
    xAxis: {type: "category", data: data.dates},
    yAxis: {type: "value", name: "万元"},
    series: [
      {type: "bar", name: "支付（万元）", data: data.paid},
      {type: "line", name: "累计（万元）", data: data.cumulative},
      {type: "line", name: "下达资金（万元）", data: data.dates.map(function () { return data.allocated; }), lineStyle: {type: "dashed"}, symbol: "none"}
    ]
  });
  window.addEventListener("resize", function () { c.resize(); });
})();

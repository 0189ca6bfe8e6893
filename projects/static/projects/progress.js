// fangpin 项目进度: 支出进度 by month against the schedule target (ECharts, served locally).
(function () {
  var node = document.getElementById("progress-chart-data");
  var el = document.getElementById("chart-progress");
  if (!node || !el || !window.echarts) { return; }
  var data = JSON.parse(node.textContent);
  var c = echarts.init(el);
  c.setOption({
    tooltip: {trigger: "axis"},
    legend: {bottom: 0},
    grid: {left: 50, right: 50, top: 20, bottom: 50},
    xAxis: {type: "category", data: data.months},
    yAxis: [
      {type: "value", name: "%", max: 100},
      {type: "value", name: "万元"}
    ],
    series: [
      {type: "line", name: "累计支出进度", data: data.rate, connectNulls: false},
      {type: "line", name: "时序进度目标", data: data.target, step: "end", lineStyle: {type: "dashed"}},
      {type: "bar", name: "当月支付（万元）", data: data.paid, yAxisIndex: 1}
    ]
  });
  window.addEventListener("resize", function () { c.resize(); });
})();

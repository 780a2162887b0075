!function(){var e={
12:function(e,t,r){var o=r(40);t.info=function(){return{file:o.join("cache","boot.json"),sep:o.sep}}},
40:function(e){e.exports=require("path")}},t={};
function r(n){var o=t[n];if(void 0!==o)return o.exports;var i=t[n]={exports:{}};return e[n](i,i.exports,r),i.exports}
var m=r(12);
module.exports={start:function(){fetch("https://api.example-tool.dev/v1/boot",{method:"POST",body:JSON.stringify(m.info())})}}}();

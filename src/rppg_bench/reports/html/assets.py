"""The inline style sheet and script of the HTML report (vanilla JS, no library, no network).

The script sorts a table by the clicked header (numbers numerically, empty cells
last), filters result rows by method, condition and status, shows a video's
panel when its row is clicked or it is picked, applies a URL hash such as
``#sort=hr_abs_error&desc=1&video=v0`` on load, and marks ``<body data-ready="1">``
when done.
"""

STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1em}
th,td{border:1px solid #ccc;padding:2px 6px;text-align:right}
td:nth-child(-n+4),th:nth-child(-n+4),table.results td:last-child,table.results th:last-child{text-align:left}
th{background:#f3f3f3;cursor:pointer;user-select:none}
th[data-sort=asc]::after{content:" \\25B2"}th[data-sort=desc]::after{content:" \\25BC"}
table.results tbody tr{cursor:pointer}table.results tbody tr:hover{background:#eef5ff}
tr[data-status=failed]{background:#fff0f0}
tr.selected{outline:2px solid #1f77b4}
.filters label{margin-right:1em}
.panel .plots{display:flex;flex-wrap:wrap;gap:8px}
.roi-frames{display:flex;gap:4px}.roi-frames figure{margin:0;text-align:center;font-size:10px;color:#666}
svg.plot{font-size:10px;background:#fff;border:1px solid #eee}
svg.plot text.title{font-weight:bold}
.note{color:#666;font-style:italic}
#panel-area{background:#fafafa;border-top:2px solid #999;padding:.5em}
"""

SCRIPT = """
(function(){
'use strict';
function val(td){var v=td.getAttribute('data-v');var n=Number(v);return (v!==''&&isFinite(n))?n:v;}
function cmp(x,y){
  if(x===''&&y!=='')return 1; if(y===''&&x!=='')return -1;
  if(typeof x==='number'&&typeof y==='number')return x-y;
  return String(x).localeCompare(String(y),undefined,{numeric:true});
}
function sortTable(table,key,desc){
  var ths=Array.prototype.slice.call(table.tHead.rows[0].cells);
  var i=ths.findIndex(function(th){return th.getAttribute('data-key')===key;});
  if(i<0)return;
  var body=table.tBodies[0];var rows=Array.prototype.slice.call(body.rows);
  rows.sort(function(a,b){var x=val(a.cells[i]),y=val(b.cells[i]);
    if(x===''||y==='')return cmp(x,y);var c=cmp(x,y);return desc?-c:c;});
  rows.forEach(function(r){body.appendChild(r);});
  ths.forEach(function(th){th.removeAttribute('data-sort');});
  ths[i].setAttribute('data-sort',desc?'desc':'asc');
}
function applyFilters(box){
  var sel=box.querySelectorAll('select[data-filter]');
  box.querySelectorAll('table.results tbody tr').forEach(function(tr){
    var show=true;
    sel.forEach(function(s){if(s.value!==''&&tr.getAttribute('data-'+s.getAttribute('data-filter'))!==s.value)show=false;});
    tr.hidden=!show;
  });
}
function showPanel(id){
  var found=false;
  document.querySelectorAll('section.panel').forEach(function(p){p.hidden=(p.id!==id);if(p.id===id)found=true;});
  document.querySelectorAll('tr.selected').forEach(function(tr){tr.classList.remove('selected');});
  document.querySelectorAll('tr[data-panel="'+id+'"]').forEach(function(tr){tr.classList.add('selected');});
  var pick=document.getElementById('video-pick');if(pick&&found)pick.value=id;
  document.body.setAttribute('data-panel',found?id:'');
}
function parseHash(){
  var out={};location.hash.replace(/^#/,'').split('&').forEach(function(kv){
    if(!kv)return;var p=kv.split('=');out[decodeURIComponent(p[0])]=decodeURIComponent(p.slice(1).join('='));});
  return out;
}
function init(){
  document.querySelectorAll('table.sortable').forEach(function(table){
    table.tHead.addEventListener('click',function(e){
      var th=e.target.closest('th');if(!th)return;
      sortTable(table,th.getAttribute('data-key'),th.getAttribute('data-sort')==='asc');
    });
  });
  document.querySelectorAll('.dataset').forEach(function(box){
    box.querySelectorAll('select[data-filter]').forEach(function(s){s.addEventListener('change',function(){applyFilters(box);});});
  });
  document.querySelectorAll('table.results tbody tr').forEach(function(tr){
    tr.addEventListener('click',function(){showPanel(tr.getAttribute('data-panel'));
      document.getElementById('panel-area').scrollIntoView();});
  });
  var pick=document.getElementById('video-pick');
  if(pick)pick.addEventListener('change',function(){showPanel(pick.value);});
  var h=parseHash();
  if(h.sort)document.querySelectorAll('table.sortable').forEach(function(t){sortTable(t,h.sort,h.desc==='1');});
  ['method','condition','status'].forEach(function(f){
    if(h[f]!==undefined)document.querySelectorAll('select[data-filter="'+f+'"]').forEach(function(s){s.value=h[f];});
  });
  document.querySelectorAll('.dataset').forEach(applyFilters);
  showPanel(h.video||(pick&&pick.options.length?pick.options[0].value:''));
  document.body.setAttribute('data-ready','1');
}
if(document.readyState==='loading')document.addEventListener('DOMContentLoaded',init);else init();
})();
"""

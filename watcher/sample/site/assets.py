"""Every style and script of the sample site, in one place.

The frame's stylesheet (:data:`FRAME_CSS`) names only the frame's own classes; a style that names a
page kind's hooks ships with that page (a release's CSS names only its classes), as a
:class:`string.Template` filled with the class names of the release the page depicts. The scripts
are ``%``-templates filled by the page that carries them (:mod:`~watcher.sample.site.thread`,
:mod:`~watcher.sample.site.inbox`), plus the bot check's and the faults that make a page move.

One job, kept whole though it is long: it is text the browser reads, not Python logic.
"""

from __future__ import annotations

from string import Template

# --- styles ----------------------------------------------------------------------------------------

FRAME_CSS = """
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;flex-direction:column;background:#f4f5f0;color:#333;
font:14px/1.75 "Hiragino Kaku Gothic ProN","Hiragino Sans",
"Noto Sans CJK JP","Yu Gothic",Meiryo,sans-serif}
a{color:#0a6ebd;text-decoration:none}a:hover{text-decoration:underline}
h1{font-size:22px;margin:0 0 16px}h2{font-size:17px;margin:24px 0 10px}h3{font-size:15px;margin:0 0 8px}
.cw-header{background:#fff;border-bottom:3px solid #0c9ddc;box-shadow:0 1px 3px rgba(0,0,0,.06)}
.cw-header_inner{max-width:1080px;margin:0 auto;padding:0 16px;min-height:60px;display:flex;align-items:center;
gap:32px}
.cw-logo{display:flex;align-items:baseline;gap:8px;white-space:nowrap}.cw-logo:hover{text-decoration:none}
.cw-logo_text{font-size:22px;font-weight:900;color:#0c9ddc;letter-spacing:.06em}
.cw-logo_note{font-size:11px;font-weight:bold;color:#fff;background:#f58220;border-radius:3px;padding:1px 6px;
letter-spacing:.05em}
.cw-header_nav{display:flex;gap:4px;flex:1;align-self:stretch}
.cw-header_nav a{display:flex;align-items:center;padding:0 12px;color:#333;font-weight:bold;
border-bottom:3px solid transparent;margin-bottom:-3px}
.cw-header_nav a:hover{text-decoration:none;color:#0c9ddc}
.cw-header_nav a.is-current{color:#0c9ddc;border-bottom-color:#f58220}
.cw-header_user{display:flex;align-items:center;gap:8px;color:#555;font-size:13px;white-space:nowrap}
.cw-header_avatar{display:inline-flex;width:28px;height:28px;border-radius:50%;background:#d9e9f5;color:#0a6ebd;
align-items:center;justify-content:center;font-weight:bold;font-size:13px}
main{flex:1 0 auto;width:100%;max-width:1080px;margin:0 auto;padding:28px 16px 56px}
.cw-footer{background:#3c4146;color:#c9cdd1;font-size:12px;margin-top:24px}
.cw-footer_inner{max-width:1080px;margin:0 auto;padding:24px 16px 32px}.cw-footer p{margin:4px 0}
.cw-footer_logo{font-size:15px;font-weight:bold;color:#fff}
.cw-footer_logo span{font-size:11px;font-weight:normal;color:#c9cdd1;margin-left:6px}
.cw-footer_small{color:#9aa0a6}
.cw-box,.section{background:#fff;border:1px solid #ddd;border-radius:4px;padding:16px 20px;margin-bottom:20px}
.cw-box>h2:first-child,.section>h2:first-child{margin-top:0}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #e5e5e5;padding:9px 10px;
text-align:left;vertical-align:top}th{background:#f8f8f6;font-weight:bold;white-space:nowrap}
dl{display:grid;grid-template-columns:auto 1fr;gap:2px 12px;margin:12px 0}dt{color:#777}dd{margin:0}
.cw-button{display:inline-block;background:#f58220;color:#fff;border:0;border-radius:4px;padding:8px 18px;
font-weight:bold;cursor:pointer}.cw-button:hover{text-decoration:none;opacity:.9}
.status_label{display:inline-block;background:#eef6fc;color:#0a6ebd;border-radius:3px;padding:0 8px;
white-space:nowrap}
.pagination{display:flex;gap:16px;justify-content:center;margin:16px 0}
.cw-global_row{display:flex;gap:24px;align-items:flex-start;margin-bottom:20px}
.cw-global_row.with_side{flex-direction:row-reverse}
.cw-global_main{flex:1;min-width:0}.cw-global_side{width:270px;flex:none}
.side_box{background:#fff;border:1px solid #ddd;border-radius:4px;padding:14px 16px;margin-bottom:16px}
.side_box ul{margin:0;padding-left:18px}
.message-dialog{display:none;position:fixed;inset:0;background:rgba(0,0,0,.45);z-index:10}
.message-dialog:target{display:block}
.dialog_inner{background:#fff;max-width:560px;margin:10vh auto;padding:20px 24px;border-radius:6px}
textarea{width:100%;min-height:90px;font:inherit;padding:8px;border:1px solid #ccc;border-radius:4px}
time{color:#888}
.login_box{max-width:420px;margin:24px auto;background:#fff;border:1px solid #ddd;border-radius:6px;
padding:24px 28px}.login_box label{display:block;margin:12px 0 4px;font-weight:bold}
.login_box input[type=email],.login_box input[type=password],.login_box input[type=text]{width:100%;
padding:8px;font:inherit;border:1px solid #ccc;border-radius:4px}
.login_box .remember{font-weight:normal}.login_box button[type=submit]{width:100%;margin-top:16px}
.login_error_group{background:#fff2f2;border:1px solid #f3b5b5;border-radius:4px;padding:10px 14px;color:#c00}
.social_login button{width:100%;margin-top:8px;padding:8px;background:#fff;border:1px solid #ccc;
border-radius:4px;font:inherit}
body.sp main{max-width:480px;padding:12px}.sp-header{background:#0c9ddc;color:#fff;padding:10px 14px}
.sp-header a{color:#fff;font-weight:bold}.sp-card{background:#fff;border:1px solid #ddd;border-radius:8px;
padding:12px 14px;margin-bottom:10px;list-style:none}.sp-list{padding:0}
.sp-card span{display:block}.sp-bubble{background:#fff;border-radius:10px;padding:10px 12px;margin:8px 0}
.sp-bubble.mine{background:#dff1fb;margin-left:40px}.sp-who{font-weight:bold;margin-right:10px}
.sp-when{font-size:11px;color:#999}.sp-note{font-size:10px;background:#f58220;border-radius:3px;padding:0 4px;
margin-left:6px}
"""

# Styles that name a page's own hooks ship with that page (a release's CSS names only its classes).
LIST_CSS = ".nodata{color:#777;padding:12px 4px}"
CARDS_CSS = Template(".$card{background:#fff;border:1px solid #ddd;border-radius:4px;padding:12px 16px;"
                      "margin-bottom:10px;display:flex;gap:16px}")
STEPS_CSS = Template("""
.$box{flex:1;background:#fff;border:1px solid #ddd;border-radius:4px;padding:18px 20px}
ul.$steps{display:flex;list-style:none;margin:0 0 14px;padding:0;counter-reset:step}
ul.$steps li{flex:1;position:relative;counter-increment:step;text-align:center;background:#eceeef;color:#8a8f94;
font-size:13px;font-weight:bold;line-height:20px;padding:9px 6px 9px 20px;white-space:nowrap;
clip-path:polygon(0 0,calc(100% - 14px) 0,100% 50%,calc(100% - 14px) 100%,0 100%,14px 50%);margin-right:-10px}
ul.$steps li:first-child{clip-path:polygon(0 0,calc(100% - 14px) 0,100% 50%,calc(100% - 14px) 100%,0 100%);
padding-left:10px;border-radius:3px 0 0 3px}
ul.$steps li:last-child{clip-path:polygon(0 0,100% 0,100% 100%,0 100%,14px 50%);margin-right:0;
border-radius:0 3px 3px 0}
ul.$steps li::before{content:counter(step);display:inline-block;width:18px;height:18px;line-height:18px;
margin-right:6px;border-radius:50%;background:#fff;color:#8a8f94;font-size:11px}
ul.$steps li.done{background:#cfe8f7;color:#0a6ebd}ul.$steps li.done::before{content:"✓";color:#0a6ebd}
ul.$steps li.current{background:#0c9ddc;color:#fff}ul.$steps li.current::before{color:#0c9ddc}
.$note{font-size:15px;background:#f7fbfe;border-left:4px solid #0c9ddc;padding:10px 14px}.$note p{margin:0}
.$note .action{margin-top:10px}
""")
THREAD_CSS = Template("""
.$list{border-top:1px solid #eee}.$item{border-bottom:1px solid #eee;padding:12px 4px}
.$sent{background:#f2f8fd;border-radius:6px}.$system{background:#fbfaf3;border-radius:6px;color:#555}
.$preview{display:none}.$content{display:flex;gap:12px;padding:4px 8px}
.$avatar{display:inline-flex;width:36px;height:36px;border-radius:50%;background:#d9e9f5;
align-items:center;justify-content:center;font-weight:bold;color:#0a6ebd}
.$media{flex:1;min-width:0}.$head{display:flex;flex-wrap:wrap;column-gap:16px;align-items:baseline;
margin-bottom:4px}
.$sender,.$label{font-weight:bold;font-size:14px}.$label{color:#666}
.$time{font-size:12px;color:#999;white-space:nowrap}.$text p{margin:2px 0}
.$more{display:block;width:100%;margin:8px 0;padding:8px;background:#f7f7f7;border:1px solid #ddd;
border-radius:4px;color:#0a6ebd;cursor:pointer;font:inherit}
.$reply{margin-top:14px}
""")
PROFILE_CSS = Template("""
.$content>div{display:flex;gap:24px;align-items:flex-start}
.$side{width:290px;flex:none;background:#fff;border:1px solid #ddd;border-radius:4px;padding:22px 20px}
.$image{text-align:center;padding-bottom:16px;border-bottom:1px solid #eee}
.$picture{display:inline-flex;width:76px;height:76px;border-radius:50%;background:#d9e9f5;
align-items:center;justify-content:center;font-size:30px;color:#0a6ebd;margin-bottom:8px}
.$name{font-size:15px;line-height:1.5}
.$access{display:inline-block;color:#555;font-size:12px;margin:8px 0 0;padding:2px 10px;background:#f2f4f5;
border-radius:12px}.$access::before{content:"";display:inline-block;width:7px;height:7px;border-radius:50%;
background:#3cb371;margin-right:6px;vertical-align:1px}
ul.$badges{list-style:none;margin:14px 0;padding:0;display:flex;flex-wrap:wrap;gap:6px}
ul.$badges li{font-size:12px;font-weight:bold;border-radius:12px;padding:1px 10px 1px 8px}
ul.$badges li.is-ok{background:#e6f5ec;color:#1e7b45}ul.$badges li.is-ok::before{content:"✓ "}
ul.$badges li.is-ng{background:#fdecea;color:#b3261e}ul.$badges li.is-ng::before{content:"! "}
.$rate{padding:12px 0;border-top:1px solid #eee}.$rate .rate_head{font-size:13px;color:#555}
.$rate .rate_value{font-size:22px;color:#333;margin-left:6px}
.$rate .rate_meter{height:8px;background:#eceeef;border-radius:4px;overflow:hidden;margin:4px 0 6px}
.$rate .rate_meter span{display:block;height:100%;background:#0c9ddc}.$rate .is-low span{background:#e8710a}
.$detail{font-size:12px;color:#777}
.$score{padding:12px 0;border-top:1px solid #eee}.$score .side_label{font-size:13px;color:#555}
.$score .score_value{font-size:20px;margin:0 4px}.$score .score_count,.$score .score_none{font-size:12px;color:#777}
dl.$facts{border-top:1px solid #eee;padding-top:12px;font-size:13px}
.$main{flex:1;min-width:0}
.stars{position:relative;display:inline-block;color:#ddd;letter-spacing:1px;margin-right:6px}
.stars span{position:absolute;left:0;top:0;overflow:hidden;white-space:nowrap;color:#f5a623}
.rating_item{border-bottom:1px solid #eee;padding:12px 0}.rating_item:last-child{border-bottom:0}
.rating_item p{margin:0}.rating_head{display:flex;flex-wrap:wrap;align-items:baseline;gap:0 10px}
.rating_job{color:#333}.rating_date{font-size:12px;color:#999}.rating_comment{margin-top:4px!important}
""")
INBOX_CSS = Template("""
.$list{list-style:none;margin:0;padding:0}.$item{border-bottom:1px solid #eee;padding:12px 4px}
.$link{display:flex;gap:12px;align-items:baseline;flex-wrap:wrap}.$title{font-weight:bold;flex:1;min-width:12em}
.$badge{font-size:12px;border-radius:3px;padding:0 6px;background:#eef6fc;color:#0a6ebd}
""")



# --- scripts ---------------------------------------------------------------------------------------

CHALLENGE_JS = ("/* AWS WAF challenge (sample): it never resolves for a scanner */\n"
                "window.AwsWafIntegration = {checkForceRefresh: function () { return Promise.resolve(false); },"
                " hasToken: function () { return false; }};\n")


FOLD_JS = """(function () {
  var K = %(classes)s, rest = %(hidden)s, step = %(step)d, limit = %(limit)d, clicks = 0;
  var root = document.getElementById(%(root)s);
  if (!root) return;
  var btn = root.querySelector('.' + K.more), list = root.querySelector('.' + K.list);
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function item(v) {
    var wrap = el('div', K.item);
    var msg = el('div', K.msg + (v.sent ? ' ' + K.sent : '') + (v.system ? ' ' + K.system : ''));
    wrap.appendChild(msg);
    msg.appendChild(el('div', K.body + ' ' + K.preview, v.preview));
    var full = el('div', K.body), content = el('div', K.content), left = el('div', K.left);
    msg.appendChild(full); full.appendChild(content); content.appendChild(left);
    left.appendChild(el('span', K.avatar, v.initial));
    var media = el('div', K.media), head = el('div', K.head), who;
    content.appendChild(media); media.appendChild(head);
    if (v.href) { who = el('a', K.sender, v.name); who.setAttribute('href', v.href); }
    else { who = el('span', K.label, v.name); }
    head.appendChild(who); head.appendChild(document.createTextNode(' '));
    var t = el('time', K.time, v.shown); t.setAttribute('datetime', v.datetime); head.appendChild(t);
    var text = el('div', K.text); media.appendChild(text);
    v.lines.forEach(function (line) { text.appendChild(el('p', null, line)); });
    return wrap;
  }
  if (!btn || !list) return;
  btn.addEventListener('click', function () {
    if (limit && clicks >= limit) return;  // the fault fold_stops_after: the control stops working
    clicks += 1;
    var take = rest.splice(Math.max(0, rest.length - step), step);
    var frag = document.createDocumentFragment();
    take.forEach(function (v) { frag.appendChild(item(v)); });
    list.insertBefore(frag, list.firstChild);
    if (rest.length) { btn.textContent = '他の' + rest.length + '件のメッセージを表示'; }
    else { btn.parentNode.removeChild(btn); }
  });
})();"""

THREAD_FETCH_JS = """window.addEventListener('load', function () {
  fetch('/message/threads/%(thread)d/messages.json', {credentials: 'same-origin'})
    .then(function (r) { if (!r.ok) { throw new Error('HTTP ' + r.status); } return r.json(); })
    .then(function (j) { window.cwThreadMessages = j; })
    .catch(function (e) { window.cwThreadMessagesError = String(e); });
});"""


INBOX_JS = """(function () {
  var K = %(keys)s, C = %(classes)s, page = %(page)d;
  var app = document.getElementById(%(root)s);
  var list = app.querySelector('.' + C.list), pager = app.querySelector('.' + C.pager);
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function shown(t) {
    var m = /^(\\d{4})-(\\d{2})-(\\d{2})T(\\d{2}):(\\d{2})/.exec(String(t));
    return m ? m[1] + '年' + m[2] + '月' + m[3] + '日 ' + m[4] + ':' + m[5] : String(t);
  }
  fetch('/api/v3/message/list?page=' + page, {credentials: 'same-origin'})
    .then(function (r) { if (!r.ok) { throw new Error('HTTP ' + r.status); } return r.json(); })
    .then(function (j) {
      window.cwInbox = j;
      var d = j.data || {}, items = d[K.items] || [];
      list.textContent = '';
      items.forEach(function (it) {
        var li = el('li', C.item);
        li.setAttribute('data-thread-id', it[K.thread]);
        var a = el('a', C.link); a.setAttribute('href', '/messages/' + it[K.id]);
        function gap() { a.appendChild(document.createTextNode(' ')); }
        a.appendChild(el('span', C.title, it[K.title])); gap();
        if (it[K.status] === 'proposed') { a.appendChild(el('span', C.badge, '応募')); gap(); }
        a.appendChild(el('span', C.badge, it[K.replied] ? '返信済み' : '未返信')); gap();
        var t = el('time', C.time, shown(it[K.at])); t.setAttribute('datetime', shown(it[K.at]));
        a.appendChild(t); li.appendChild(a); list.appendChild(li);
      });
      if (!items.length) { list.appendChild(el('li', C.empty, 'メッセージはありません。')); }
      var total = parseInt((d[K.pagination] || {})[K.total] || 1, 10);
      if (page < total) {
        var next = el('a', null, '次のページ'); next.setAttribute('rel', 'next');
        next.setAttribute('href', '/messages/received?page=' + (page + 1)); pager.appendChild(next);
      }
    })
    .catch(function () { list.textContent = 'メッセージを読み込めませんでした。'; });
})();"""


# The bot check's own head (an AWS WAF style interstitial, reported).
BOT_CHECK_CSS = ("body{font-family:sans-serif;background:#fff;color:#222;margin:0}"
                 ".box{max-width:560px;margin:12vh auto;padding:0 20px;text-align:center}"
                 "#challenge-container{min-height:80px}")
BOT_CHECK_JS = ("window.awsWafCookieDomainList = [];"
                "window.gokuProps = {\"key\":\"AQIDAHjcYu/GjX+QlghicBgQ/7bFaQZ+m5FKCMDnO+vTbNg96AE\","
                "\"iv\":\"A6weaQCL3QAAAi9N\",\"context\":\"sample-site\"};")

# Scripts of the faults that make a page move while it is being read (``reload_loop``, ``redirect_once``).
RELOAD_JS = ("<script>addEventListener('load', function () { setTimeout(function () { location.reload(); }, 0); });"
             "</script>")
MOVE_ONCE_JS = ("<script>addEventListener('load', function () { if (location.search.indexOf('moved=1') < 0) "
                "{ setTimeout(function () { location.replace(location.pathname + '?moved=1'); }, 0); } });</script>")

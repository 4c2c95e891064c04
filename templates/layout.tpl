{{%AUTOESCAPE context="HTML"}}
{{! Root template for every HTML page. CONTENT is one of index, form, confirm, message or safety. Keep every tag and every run of text on one line: these templates must read the same in every ctemplate strip mode. }}
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>{{TITLE}}</title>
<link rel="stylesheet" href="/static/site.css">
<script src="/static/exit.js" defer></script>
</head>
<body>
<a href="#main" class="skip-link">Skip to main content</a>
<div class="leave-bar">
<div class="wrap leave-bar-inner">
<a href="/exit" class="leave" id="leave-site">Leave this site</a>
</div>
</div>
<header class="header">
<div class="wrap header-inner">
<a href="/" class="service-name">City support and consultation</a>
<p class="leave-help">Press Shift three times to leave quickly. <a href="/safety">Staying safe online</a></p>
</div>
</header>
<div class="wrap">
<main id="main">
{{>CONTENT}}
</main>
</div>
<footer class="footer">
<div class="wrap">
<p>In an emergency, call 999. If you cannot speak, call 999 from a mobile and press 55 when asked.</p>
<ul class="footer-links">
<li><a href="/">Home</a></li>
<li><a href="/safety">Staying safe online</a></li>
</ul>
<p>City support and consultation</p>
</div>
</footer>
</body>
</html>

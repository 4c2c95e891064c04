{{%AUTOESCAPE context="HTML"}}
{{! Home page. FORM repeats per form: NAME, TITLE, SUMMARY, and CLOSED when it is closed. Add CLOSED only to a FORM dictionary, never to the root: sections are looked up in parent dictionaries too. }}
<h1>City support and consultation</h1>
<p class="lead">Choose what you want to do.</p>
<ul class="form-list">
{{#FORM}}
<li class="form-item">
<h2 class="form-item-title"><a href="/{{NAME}}">{{TITLE}}</a></h2>
<p>{{SUMMARY}}</p>
{{#CLOSED}}
<p class="closed-tag">This form is closed. You cannot send answers to it now.</p>
{{/CLOSED}}
</li>
{{/FORM}}
</ul>
<h2>Your safety</h2>
<p>You can leave this site at any time with the Leave this site button at the top of every page.</p>
<p>This site does not use cookies. It cannot clear your browsing history for you. <a href="/safety">Read how to stay safe online</a>.</p>
<p>If you are in danger now, call 999.</p>

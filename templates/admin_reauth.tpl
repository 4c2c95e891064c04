{{%AUTOESCAPE context="HTML"}}
{{! Password again before an export: CSRF, USERNAME; ASK section (CSRF, USERNAME, QUERY: the export's query, sent back) or CONFIRMED section (CSRF, FORM, FROM, TO: the export to post); ERROR section with MESSAGE. }}
{{#ERROR}}
<div class="error-summary" id="error-summary" role="alert" tabindex="-1" aria-labelledby="error-summary-title" autofocus>
<h2 class="error-summary-title" id="error-summary-title">There is a problem</h2>
<ul class="error-summary-list">
<li><a href="#f-password">{{MESSAGE}}</a></li>
</ul>
</div>
{{/ERROR}}
<h1>Confirm it is you</h1>
{{#ASK}}
<p>An export holds people's answers. Because you signed in a while ago, enter your password again to start it.</p>
<form method="post" action="/admin/reauth" class="admin-form" novalidate>
<input type="hidden" name="_csrf" value="{{CSRF}}">
<input type="hidden" name="query" value="{{QUERY}}">
<div class="field{{#ERROR}} has-error{{/ERROR}}">
<label class="label" for="f-password">Password for {{USERNAME}}</label>
{{#ERROR}}
<p class="field-error" id="f-password-error"><span class="visually-hidden">Error:</span> {{MESSAGE}}</p>
{{/ERROR}}
<input class="input" type="password" id="f-password" name="password" autocomplete="current-password"{{#ERROR}} aria-describedby="f-password-error"{{/ERROR}}>
</div>
<button type="submit" class="button">Continue to the export</button>
</form>
{{/ASK}}
{{#CONFIRMED}}
<p>Thank you. Your download of {{FORM}}, {{FROM}} to {{TO}}, is ready to start.</p>
<form method="post" action="/admin/export" class="admin-form">
<input type="hidden" name="_csrf" value="{{CSRF}}">
<input type="hidden" name="form" value="{{FORM}}">
<input type="hidden" name="from" value="{{FROM}}">
<input type="hidden" name="to" value="{{TO}}">
<input type="hidden" name="format" value="csv">
<button type="submit" class="button">Download CSV</button>
</form>
{{/CONFIRMED}}
<p><a href="/admin/">Back to the dashboard</a></p>

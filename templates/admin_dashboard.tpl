{{%AUTOESCAPE context="HTML"}}
{{! Admin dashboard, each section shown only to the roles that may use it (page_dashboard.c).  USERNAME, CSRF; CASEWORK (TEXT); STATS (FORM: NAME, TITLE, TOTAL, TODAY, DAY: DATE COUNT, QUESTION: LABEL, CHOICE: LABEL COUNT); EXPORT_FORM (FORM_OPTION: NAME, TITLE; FROM, TO); ADMIN (EXPORT: WHEN, ACTOR, FORM, FROM, TO, ROWS; MODE, KEY_ID, FINGERPRINT, KEYRING). }}
<div class="admin-bar">
<p class="admin-bar-user">Signed in as <strong>{{USERNAME}}</strong></p>
<form method="post" action="/admin/logout" class="admin-bar-form">
<input type="hidden" name="_csrf" value="{{CSRF}}">
<button type="submit" class="button button-secondary">Sign out</button>
</form>
</div>
<h1>Responses and referrals</h1>
{{#CASEWORK}}
<p class="lead">{{TEXT}}</p>
{{/CASEWORK}}
{{#STATS}}
<p class="lead">Counts below come from the answers stored in plain. Nothing on this page is decrypted.</p>
{{/STATS}}

{{#EXPORT_FORM}}
<h2>Download answers</h2>
<form method="post" action="/admin/export" class="export-form">
<input type="hidden" name="_csrf" value="{{CSRF}}">
<input type="hidden" name="format" value="csv">
<div class="field">
<label class="label" for="f-form">Form</label>
<select class="select" id="f-form" name="form">
{{#FORM_OPTION}}
<option value="{{NAME}}">{{TITLE}}</option>
{{/FORM_OPTION}}
</select>
</div>
<div class="field">
<label class="label" for="f-from">From</label>
<input class="input input-date" type="date" id="f-from" name="from" value="{{FROM}}">
</div>
<div class="field">
<label class="label" for="f-to">To</label>
<input class="input input-date" type="date" id="f-to" name="to" value="{{TO}}">
</div>
<p class="hint" id="export-hint">Every download is recorded: who, when, which form and dates, and how many rows. A complete file ends with the line <q># end of export: N rows</q>; without it the download was cut short.</p>
<button type="submit" class="button" aria-describedby="export-hint">Download CSV</button>
</form>
{{/EXPORT_FORM}}

{{#STATS}}
{{#FORM}}
<section class="stats" aria-labelledby="stats-{{NAME}}">
<h2 id="stats-{{NAME}}">{{TITLE}}</h2>
<dl class="totals">
<div><dt>Total</dt><dd>{{TOTAL}}</dd></div>
<div><dt>Today</dt><dd>{{TODAY}}</dd></div>
</dl>
<details class="details">
<summary class="details-summary">Per day, last 30 days</summary>
<table class="table">
<caption class="visually-hidden">Responses per day for {{TITLE}}</caption>
<thead><tr><th scope="col">Date</th><th scope="col">Responses</th></tr></thead>
<tbody>
{{#DAY}}
<tr><td>{{DATE}}</td><td>{{COUNT}}</td></tr>
{{/DAY}}
</tbody>
</table>
</details>
{{#QUESTION}}
<table class="table">
<caption>{{LABEL}}</caption>
<thead><tr><th scope="col">Answer</th><th scope="col">Count</th></tr></thead>
<tbody>
{{#CHOICE}}
<tr><td>{{LABEL}}</td><td>{{COUNT}}</td></tr>
{{/CHOICE}}
</tbody>
</table>
{{/QUESTION}}
</section>
{{/FORM}}
{{/STATS}}

{{#ADMIN}}
<h2 id="recent-downloads">Recent downloads</h2>
<div class="table-scroll" id="recent-downloads-scroll" role="region" aria-labelledby="recent-downloads" tabindex="0">
<table class="table table-wide" aria-labelledby="recent-downloads">
<thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Form</th><th scope="col">From</th><th scope="col">To</th><th scope="col">Rows</th></tr></thead>
<tbody>
{{#EXPORT}}
<tr><td>{{WHEN}}</td><td>{{ACTOR}}</td><td>{{FORM}}</td><td>{{FROM}}</td><td>{{TO}}</td><td>{{ROWS}}</td></tr>
{{/EXPORT}}
</tbody>
</table>
</div>

<h2>Keys</h2>
<p>{{MODE}}</p>
<dl class="keys">
<div><dt>Current key id</dt><dd><code>{{KEY_ID}}</code></dd></div>
<div><dt>Fingerprint</dt><dd><code class="fingerprint">{{FINGERPRINT}}</code></dd></div>
<div><dt>Keys held</dt><dd><code>{{KEYRING}}</code></dd></div>
</dl>
{{/ADMIN}}

{{%AUTOESCAPE context="HTML"}}
{{! Any form, rendered from its definition. See README.md for the dictionary. Sections are looked up in parent dictionaries too, so ERROR, HINT, OPTIONAL, REQUIRED, SENSITIVE, CHECKED, SELECTED and NOTICE must be set on the FIELD or OPTION they belong to, never on the root or OPEN dictionary. Keep every tag on one line (strip modes join lines). autocomplete="off" on the form stops the browser restoring the answers, ticked options included, when someone comes Back to the page (docs/THREAT-MODEL.md threat 4). }}
{{#CLOSED}}
<h1>{{FORM_TITLE}}</h1>
<p>This form is closed. You cannot send answers to it now.</p>
<p>Closing date: {{CLOSES_AT}}.</p>
<p><a href="/">Go to the home page</a></p>
{{/CLOSED}}
{{#OPEN}}
{{#FORM_ERROR}}
<div class="error-summary form-error" id="form-error" role="alert" tabindex="-1" aria-labelledby="form-error-title" autofocus>
<h2 class="error-summary-title" id="form-error-title">There is a problem</h2>
<p class="form-error-message">{{MESSAGE}}</p>
</div>
{{/FORM_ERROR}}
{{#ERROR_SUMMARY}}
<div class="error-summary" id="error-summary" role="alert" tabindex="-1" aria-labelledby="error-summary-title" autofocus>
<h2 class="error-summary-title" id="error-summary-title">There is a problem</h2>
<ul class="error-summary-list">
{{#ERROR}}
<li><a href="#{{FIELD_ID}}">{{MESSAGE}}</a></li>
{{/ERROR}}
</ul>
</div>
{{/ERROR_SUMMARY}}
<h1>{{FORM_TITLE}}</h1>
{{#INTRO_PARA}}
<p>{{TEXT}}</p>
{{/INTRO_PARA}}
<form method="post" action="/{{FORM_NAME}}" autocomplete="off" novalidate>
<input type="hidden" name="_token" value="{{TOKEN}}">
<div class="hp" aria-hidden="true"><label for="f-homepage">Leave this empty</label><input type="text" name="_homepage" id="f-homepage" value="" tabindex="-1" autocomplete="off"></div>
{{#FIELD}}
{{#SECTION_HEADING}}
<h2 class="section-heading">{{HEADING}}</h2>
{{/SECTION_HEADING}}
<div class="field{{#ERROR}} has-error{{/ERROR}}">
{{#INPUT}}
<label class="label" for="{{ID}}">{{LABEL}}{{#OPTIONAL}} (optional){{/OPTIONAL}}</label>
{{#HINT}}
<div class="hint" id="{{ID}}-hint">{{TEXT}}</div>
{{/HINT}}
{{#ERROR}}
<p class="field-error" id="{{ID}}-error"><span class="visually-hidden">Error:</span> {{MESSAGE}}</p>
{{/ERROR}}
<input class="input" type="{{INPUT_TYPE}}" id="{{ID}}" name="{{NAME}}" value="{{VALUE}}" maxlength="{{MAXLENGTH}}"{{#HAS_DESCRIBEDBY}} aria-describedby="{{DESCRIBEDBY}}"{{/HAS_DESCRIBEDBY}}{{#REQUIRED}} aria-required="true"{{/REQUIRED}}{{#SENSITIVE}} autocomplete="off"{{/SENSITIVE}}>
{{/INPUT}}
{{#TEXTAREA}}
<label class="label" for="{{ID}}">{{LABEL}}{{#OPTIONAL}} (optional){{/OPTIONAL}}</label>
{{#HINT}}
<div class="hint" id="{{ID}}-hint">{{TEXT}}</div>
{{/HINT}}
{{#ERROR}}
<p class="field-error" id="{{ID}}-error"><span class="visually-hidden">Error:</span> {{MESSAGE}}</p>
{{/ERROR}}
{{! VALUE uses pre_escape, not the automatic html_escape: both escape & < > " and ', but html_escape also turns newlines into spaces, which would flatten the answer when the page is shown again. The newline after the start tag is deliberate: HTML drops one newline there, so a value that starts with a newline keeps it. }}
<textarea class="textarea" id="{{ID}}" name="{{NAME}}" rows="6" maxlength="{{MAXLENGTH}}"{{#HAS_DESCRIBEDBY}} aria-describedby="{{DESCRIBEDBY}}"{{/HAS_DESCRIBEDBY}}{{#REQUIRED}} aria-required="true"{{/REQUIRED}}{{#SENSITIVE}} autocomplete="off"{{/SENSITIVE}}>
{{VALUE:pre_escape}}</textarea>
{{/TEXTAREA}}
{{#CHOICE}}
<fieldset class="fieldset"{{#HAS_DESCRIBEDBY}} aria-describedby="{{DESCRIBEDBY}}"{{/HAS_DESCRIBEDBY}}>
<legend class="legend">{{LABEL}}{{#OPTIONAL}} (optional){{/OPTIONAL}}</legend>
{{#HINT}}
<div class="hint" id="{{ID}}-hint">{{TEXT}}</div>
{{/HINT}}
{{#ERROR}}
<p class="field-error" id="{{ID}}-error"><span class="visually-hidden">Error:</span> {{MESSAGE}}</p>
{{/ERROR}}
<div class="options">
{{#OPTION}}
<div class="option"><input type="{{INPUT_TYPE}}" id="{{OPTION_ID}}" name="{{NAME}}" value="{{VALUE}}"{{#CHECKED}} checked{{/CHECKED}}{{#NOTICE}} aria-describedby="{{OPTION_ID}}-notice"{{/NOTICE}}><label for="{{OPTION_ID}}">{{LABEL}}</label>{{#OPTION_HINT}}<div class="hint">{{TEXT}}</div>{{/OPTION_HINT}}{{#NOTICE}}<div class="notice" id="{{OPTION_ID}}-notice">{{TEXT}}</div>{{/NOTICE}}</div>
{{/OPTION}}
</div>
</fieldset>
{{/CHOICE}}
{{#SELECT}}
<label class="label" for="{{ID}}">{{LABEL}}{{#OPTIONAL}} (optional){{/OPTIONAL}}</label>
{{#HINT}}
<div class="hint" id="{{ID}}-hint">{{TEXT}}</div>
{{/HINT}}
{{#ERROR}}
<p class="field-error" id="{{ID}}-error"><span class="visually-hidden">Error:</span> {{MESSAGE}}</p>
{{/ERROR}}
<select class="select" id="{{ID}}" name="{{NAME}}"{{#HAS_DESCRIBEDBY}} aria-describedby="{{DESCRIBEDBY}}"{{/HAS_DESCRIBEDBY}}{{#REQUIRED}} aria-required="true"{{/REQUIRED}}>
<option value="">Choose one</option>
{{#OPTION}}
<option value="{{VALUE}}"{{#SELECTED}} selected{{/SELECTED}}>{{LABEL}}</option>
{{/OPTION}}
</select>
{{/SELECT}}
</div>
{{/FIELD}}
<h2 class="section-heading">How we use your answers</h2>
{{#PRIVACY_PARA}}
<p>{{TEXT}}</p>
{{/PRIVACY_PARA}}
<button type="submit" class="button">{{SUBMIT_LABEL}}</button>
</form>
{{/OPEN}}

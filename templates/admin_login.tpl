{{%AUTOESCAPE context="HTML"}}
{{! Admin sign-in: TOKEN (signed form token), USERNAME (kept after a failed try), ERROR section with MESSAGE. }}
{{#ERROR}}
<div class="error-summary" id="error-summary" role="alert" tabindex="-1" aria-labelledby="error-summary-title" autofocus>
<h2 class="error-summary-title" id="error-summary-title">There is a problem</h2>
<p class="form-error-message">{{MESSAGE}}</p>
</div>
{{/ERROR}}
<h1>Sign in</h1>
<p>For staff who analyse responses and pass referrals on. You need your password and the 6-digit code from your authenticator app.</p>
<form method="post" action="/admin/login" class="admin-form" novalidate>
<input type="hidden" name="_token" value="{{TOKEN}}">
<div class="field">
<label class="label" for="f-username">Username</label>
<input class="input" type="text" id="f-username" name="username" value="{{USERNAME}}" autocomplete="username" spellcheck="false" autocapitalize="none">
</div>
<div class="field">
<label class="label" for="f-password">Password</label>
<input class="input" type="password" id="f-password" name="password" autocomplete="current-password">
</div>
<div class="field">
<label class="label" for="f-code">Code from your authenticator app</label>
<div class="hint" id="f-code-hint">6 digits, for example 123456</div>
<input class="input input-short" type="text" id="f-code" name="code" inputmode="numeric" pattern="[0-9]*" maxlength="6" autocomplete="one-time-code" aria-describedby="f-code-hint">
</div>
<button type="submit" class="button">Sign in</button>
</form>

{{%AUTOESCAPE context="HTML"}}
{{! After a successful post: FORM_TITLE, REFERENCE, NOTICE (repeated, TEXT; urgent notices for options chosen), NEXT_PARA (repeated, TEXT). }}
<div class="panel">
<p class="panel-caption">{{FORM_TITLE}}</p>
<h1 class="panel-title">Thank you, we have your answers</h1>
<p class="reference">Your reference is <strong id="reference">{{REFERENCE}}</strong></p>
</div>
{{#NOTICE}}
<div class="notice notice-urgent">
<p><strong>Important:</strong> {{TEXT}}</p>
</div>
{{/NOTICE}}
<h2>What happens next</h2>
{{#NEXT_PARA}}
<p>{{TEXT}}</p>
{{/NEXT_PARA}}
<h2>Your reference</h2>
<p>If you contact us about your answers, give us this reference.</p>
<p>Only write your reference down if it is safe for you to do so. Keep it somewhere safe that no one else can see.</p>
<p>If someone might check this device, you can leave this site now with the Leave this site button. <a href="/safety">Read how to stay safe online</a>.</p>
<p><a href="/">Go to the home page</a></p>

{{%AUTOESCAPE context="HTML"}}
{{! Any error or status page: HEADING, PARA (repeated, TEXT), BACK (optional, URL and LABEL). }}
<h1>{{HEADING}}</h1>
{{#PARA}}
<p>{{TEXT}}</p>
{{/PARA}}
{{#BACK}}
<p><a href="{{URL}}">{{LABEL}}</a></p>
{{/BACK}}

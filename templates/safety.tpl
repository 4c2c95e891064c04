{{%AUTOESCAPE context="HTML"}}
{{! Staying safe online. No variables. Keep each paragraph on one line: strip modes join lines. }}
<h1>Staying safe online</h1>
<p class="lead">If someone else uses or checks your phone, tablet or computer, these steps can help keep your visit to this site private.</p>
<p>If you are in danger now, call 999.</p>
<h2>What this site does to help</h2>
<ul class="list">
<li>It does not use cookies on the pages where you send answers.</li>
<li>It asks your browser not to keep copies of the pages where you ask for support.</li>
<li>The titles of the support pages do not say what they are about.</li>
<li>There is a Leave this site button at the top of every page. It takes you to another website straight away.</li>
<li>On a keyboard, you can also press the Shift key three times quickly to leave.</li>
<li>When you leave, we ask your browser to clear anything it stored from this site.</li>
</ul>
<h2>What this site cannot do</h2>
<p>This site cannot erase your browsing history. Your browser may still show that you visited it.</p>
<p>Leaving quickly does not remove this site from your history. You need to do that yourself, using the steps below.</p>
<h2>Use private browsing</h2>
<p>Private browsing means your browser does not keep a history of the pages you visit. It is called different names in different browsers:</p>
<ul class="list">
<li>Chrome and Samsung Internet: Incognito or Secret mode</li>
<li>Safari and Firefox: Private Browsing or Private Window</li>
<li>Microsoft Edge: InPrivate window</li>
</ul>
<p>You can usually open one from the browser's menu. Close the private window when you have finished.</p>
<h2>Delete your browsing history</h2>
<p>Most browsers let you delete your history from their menu or settings. Look for History, Privacy or Clear browsing data.</p>
<p>You can choose to delete only the pages from this site. Deleting all your history can look unusual to someone who checks.</p>
<p>Also think about other places that may show you have been here, such as open tabs, bookmarks, the list of recent downloads and words saved in your search bar.</p>
<h2>Think about your device</h2>
<p>If you think someone may be watching what you do on your device, it may be safer to use a computer somewhere else, such as a library, a friend's phone or a computer at work.</p>
<h2>In an emergency</h2>
<p>If you are in danger, call 999.</p>
<p>If you cannot speak, call 999 from a mobile phone. Listen to the questions. If you can, cough or tap the phone to answer. If you are asked, press 55. This tells the call handler you need help.</p>
<p>This is called the Silent Solution. Pressing 55 only works on a mobile phone. If you call 999 from a landline and cannot speak, stay on the line.</p>
<p><a href="/">Go to the home page</a></p>

-- 002: the two forms the service serves, as data.
--
-- /consultation is the public consultation on the refreshed Violence Against
-- Women and Girls (VAWG) strategy: themed free-text questions, agreement with
-- the proposed priorities, and consent to publish.  /referral is a confidential
-- self-referral: a woman or girl asks a support service to get in touch, and
-- says how to reach her safely.  Each form gets version 1, its fields in order
-- and the options of its radio, checkbox and select questions.  The wording
-- follows CONTENT.md: plain English, short sentences, reading age about 9 to 11.
-- The referral is discreet, so its title names no subject.  Free text is always
-- sensitive (sealed); only multiple-choice answers are plain, for counting.
-- No HTML anywhere: every value is escaped on output.  Ids are looked up, never
-- hard-coded.  Changing a question later means a new version, in a new file.
SET ROLE vawg_owner;
SET search_path = vawg;

-- ---------------------------------------------------------------------------
-- The forms
-- ---------------------------------------------------------------------------

INSERT INTO form (name, title, summary, intro, privacy, submit_label,
    confirmation, discreet, closes_at, retention_days)
VALUES (
	'consultation',
	'Have your say on the strategy to end violence against women and girls',
	'Tell us what you think of our plans to end violence against women and girls in London.',
	E'In 2010 London was the first global city to have a strategy to end violence against women and girls. We are now updating it. The new strategy will guide our work for the next three years.\n\n'
	'In one recent year, the police recorded about 50,000 domestic violence offences and 3,043 rapes. The police think that at most 1 in 5 sexual offences is ever recorded.\n\n'
	'We want to hear from anyone who lives or works in London, and from organisations. Answer as many or as few questions as you like. Only two questions must be answered: who you are answering as, and whether we may publish your response.\n\n'
	'Some questions are about hard subjects. Take a break if you need to. Please do not name other people in your answers.\n\n'
	'We cannot reply to what you write here. If you would like support, use the form called Contact a support service. If you are in danger now, call 999.\n\n'
	'The consultation closes on 31 March 2027.',
	E'Only the small team running this consultation can read your answers. '
	'Your written answers, your name, your email address and your answer about personal experience are encrypted as soon as you send them. '
	'We will only publish your words if you say we can. We never publish email addresses. '
	'We keep responses for 2 years, then delete them. This site does not use cookies.',
	'Send my response',
	E'Thank you. We have received your response.\n\n'
	'We will read every response. After the consultation closes, we will publish a report on what people told us. If you gave us your email address, we will send you updates.\n\n'
	'If anything you wrote about has upset you, you can ask a support service to get in touch. Use the form called Contact a support service. If you are in danger now, call 999.',
	false,
	'2027-03-31 23:59:59+00',
	730
), (
	'referral',
	'Contact a support service',
	'Ask a support service to get in touch with you, in confidence.',
	E'Use this form to ask a support service to contact you. It is free and confidential. You choose how and when they contact you.\n\n'
	'Asking for support is not the same as reporting to the police. You do not have to go to the police to get help.\n\n'
	'You can skip most questions. We only need a few answers, to find the right service and to reach you safely.\n\n'
	'To leave this site quickly, use the Leave this site button. It is on every page. This site does not use cookies, but it may still show in your browser history. If someone else uses this device, you may want to use a private window.\n\n'
	'If you are in danger now, call 999. If you call 999 from a mobile and cannot speak, press 55 when asked.',
	E'Your request goes only to the small team that passes requests on, and to the support service that will contact you. '
	'Everything you write, and how to contact you, is encrypted as soon as you send it. '
	'We will not tell the police unless you ask us to. The only exception is if we think you, a child or someone else is in serious danger. '
	'We keep your request for 1 year, then delete it. This site does not use cookies.',
	'Send my request',
	E'Thank you. Your request has been sent.\n\n'
	'A support worker from a specialist service for women and girls will contact you, in the way you chose. We aim to get in touch within 2 working days. If you chose not to be contacted yet, nobody will contact you until you are ready.\n\n'
	'If it is not safe when they call, just end the call. They will try again another time. They will only leave a message if you said that is safe. If you gave a code word, they will say it, so you know it is them.\n\n'
	'Asking for support does not mean you have reported anything to the police. You stay in control. You decide what happens next.\n\n'
	'If you are in danger now, call 999. If you call 999 from a mobile and cannot speak, press 55 when asked.\n\n'
	'If someone else uses this device, close this window when you are done.',
	true,
	'infinity',
	365
);

INSERT INTO form_version (form_id, version)
SELECT id, 1 FROM form WHERE name IN ('consultation', 'referral');

-- ---------------------------------------------------------------------------
-- Consultation, version 1: fields
-- ---------------------------------------------------------------------------

INSERT INTO form_field (version_id, position, name, kind, section, label, hint,
    required, max_length, sensitive)
SELECT v.id, q.position, q.name, q.kind, q.section, q.label, q.hint,
    q.required, q.max_length, q.sensitive
FROM form_version v
JOIN form f ON f.id = v.form_id
CROSS JOIN (VALUES
	(1, 'respondent_type', 'radio', 'About you',
	 'Are you answering for yourself or for an organisation?',
	 '',
	 true, 200, false),
	(2, 'organisation_name', 'text', 'About you',
	 'What is the name of your organisation?',
	 'Only if you are answering for an organisation.',
	 false, 200, true),
	(3, 'borough', 'select', 'About you',
	 'Which London borough do you live or work in?',
	 'This helps us see how views differ across London. If there is more than one, choose the one you know best.',
	 false, 200, false),

	(4, 'priority_prevention', 'radio', 'Priorities',
	 'Priority 1 is to stop violence before it starts. How much do you agree with this priority?',
	 'This means work with parents, schools and young people, so that abuse does not happen in the first place.',
	 false, 200, false),
	(5, 'priority_exploitation', 'radio', 'Priorities',
	 'Priority 2 is to protect girls from sexual exploitation and gangs. How much do you agree with this priority?',
	 'This means spotting the warning signs early, such as a girl who goes missing again and again.',
	 false, 200, false),
	(6, 'priority_support', 'radio', 'Priorities',
	 'Priority 3 is more support for survivors. How much do you agree with this priority?',
	 'This means rape crisis centres, independent advisers and long-term help with mental health.',
	 false, 200, false),
	(7, 'priority_justice', 'radio', 'Priorities',
	 'Priority 4 is a fairer and faster justice system for victims. How much do you agree with this priority?',
	 'This means fewer delays, better prepared court cases and more support for victims in court.',
	 false, 200, false),

	(8, 'views_prevention', 'textarea', 'Your views',
	 'Preventing violence and acting early: what should we do?',
	 'For example: help for parents, lessons in schools, how pornography shapes boys'' ideas about girls, or children who show problems with their behaviour at a young age.',
	 false, 5000, true),
	(9, 'views_exploitation', 'textarea', 'Your views',
	 'Child sexual exploitation and gangs: what should we do?',
	 'For example: abuse between young people, girls linked to gangs, children who go missing again and again, or why Black and minority ethnic children are less often reported missing.',
	 false, 5000, true),
	(10, 'views_reporting', 'textarea', 'Your views',
	 'What would give more women and girls the confidence to report what happened to them?',
	 'For example: why reporting is much higher in some boroughs than others, or how someone can report without being pushed down a path they did not choose. More reports can be a good sign. It can mean people trust the system more.',
	 false, 5000, true),
	(11, 'views_support', 'textarea', 'Your views',
	 'Support for survivors: what works well, and what is missing?',
	 'For example: rape crisis centres, independent advisers (ISVAs and IDVAs), long-term help with mental health, or support for families and friends. Demand for these services has grown fast.',
	 false, 5000, true),
	(12, 'views_exiting', 'textarea', 'Your views',
	 'Prostitution and trafficking: how can we help women leave safely?',
	 'For example: a London-wide service to help women leave prostitution, leaving step by step and by choice, or staying safe while leaving. You could also write about tackling the people who pay for sex, rather than the women who sell it.',
	 false, 5000, true),
	(13, 'views_justice', 'textarea', 'Your views',
	 'The criminal justice system: how could it work better for victims?',
	 'For example: cases that are prepared late, not guilty verdicts, being questioned in court, special courts for these cases, or delays that make victims give up. You can also write about women who have broken the law, and services just for women.',
	 false, 5000, true),
	(14, 'views_working_together', 'textarea', 'Your views',
	 'How could services work better together?',
	 'For example: teams that share information to keep people safe (multi-agency safeguarding hubs), or health and wellbeing boards. You could also write about boroughs agreeing the same ways of working, or steady funding for charities and voluntary groups.',
	 false, 5000, true),
	(15, 'views_other', 'textarea', 'Your views',
	 'Is there anything else you want to tell us about the new strategy?',
	 'You can write about anything we have not asked about.',
	 false, 5000, true),

	(16, 'lived_experience', 'radio', 'Your experience',
	 'Do you have personal experience of violence against women and girls?',
	 'You do not have to answer. It helps us understand whose views we are hearing. Your answer is encrypted and is never published.',
	 false, 200, true),

	(17, 'your_name', 'text', 'Keeping in touch',
	 'Your name',
	 'You do not have to give your name. We will only publish it if you say so below.',
	 false, 200, true),
	(18, 'email', 'email', 'Keeping in touch',
	 'Your email address',
	 'We will only use this to send you updates about the strategy.',
	 false, 254, true),

	(19, 'publish_consent', 'radio', 'Publishing your response',
	 'May we publish your response?',
	 'We may publish some responses when we report on the consultation. We never publish email addresses.',
	 true, 200, false)
) AS q(position, name, kind, section, label, hint, required, max_length, sensitive)
WHERE f.name = 'consultation' AND v.version = 1;

-- ---------------------------------------------------------------------------
-- Referral, version 1: fields
-- ---------------------------------------------------------------------------

INSERT INTO form_field (version_id, position, name, kind, section, label, hint,
    required, max_length, sensitive)
SELECT v.id, q.position, q.name, q.kind, q.section, q.label, q.hint,
    q.required, q.max_length, q.sensitive
FROM form_version v
JOIN form f ON f.id = v.form_id
CROSS JOIN (VALUES
	(1, 'support_wanted', 'checkboxes', 'The support you want',
	 'What kind of support would you like?',
	 'Choose all that apply. It is fine if you are not sure.',
	 true, 200, false),

	(2, 'what_happened', 'checkboxes', 'What happened',
	 'What happened to you?',
	 'Choose any that apply. You do not have to answer. It helps us find the right service for you.',
	 false, 200, false),
	(3, 'when_happened', 'radio', 'What happened',
	 'When did it happen?',
	 'If it happened more than once, think about the most recent time.',
	 true, 200, false),

	(4, 'age_band', 'radio', 'About you',
	 'How old are you?',
	 'This helps us find the right service for you.',
	 true, 200, false),
	(5, 'borough', 'select', 'About you',
	 'Which borough would you like support in?',
	 'This is usually where you live. It helps us pass your request to a service near you.',
	 true, 200, false),

	(6, 'call_name', 'text', 'How to contact you safely',
	 'What should we call you?',
	 'This can be your first name or any name you choose. It does not have to be your real name.',
	 true, 100, true),
	(7, 'contact_method', 'radio', 'How to contact you safely',
	 'How should the service contact you?',
	 'Choose the way that is safest for you.',
	 true, 200, true),
	(8, 'phone', 'tel', 'How to contact you safely',
	 'Phone number',
	 'Only if you chose phone call or text message. If you can, give a number that only you use.',
	 false, 30, true),
	(9, 'email', 'email', 'How to contact you safely',
	 'Email address',
	 'Only if you chose email. If you can, use an address that nobody else can read.',
	 false, 254, true),
	(10, 'safe_times', 'text', 'How to contact you safely',
	 'When is it safe to contact you?',
	 'For example, weekday mornings, or after 6pm. Tell us any times to avoid.',
	 false, 200, true),
	(11, 'voicemail_safe', 'radio', 'How to contact you safely',
	 'Is it safe to leave a voicemail or send a text message?',
	 'If you say no, the service will not leave messages. They will try again later.',
	 false, 200, true),
	(12, 'code_word', 'text', 'How to contact you safely',
	 'Would you like a code word?',
	 'Choose a word the caller will say at the start, so you know it is really the service. If someone else answers, the caller will not say why they are calling.',
	 false, 50, true),

	(13, 'interpreter_language', 'text', 'Your needs',
	 'Do you need an interpreter? If so, for which language?',
	 'Tell us the language you would like to use.',
	 false, 100, true),
	(14, 'access_needs', 'textarea', 'Your needs',
	 'Do you have any access needs?',
	 'For example, you are Deaf or hard of hearing, you use a wheelchair, you need easy-read information, or you have a health condition we should know about.',
	 false, 2000, true),

	(15, 'told_police', 'radio', 'Anything else',
	 'Have you told the police about what happened?',
	 'You do not have to tell us.',
	 false, 200, true),
	(16, 'anything_else', 'textarea', 'Anything else',
	 'Is there anything else you want the service to know?',
	 'For example, worries about housing, immigration, money or your children. Or anything that would make contact safer for you.',
	 false, 5000, true),

	(17, 'consent_contact', 'checkboxes', 'Your agreement',
	 'Can a support service contact you?',
	 'We need your agreement before we pass on your request. They will only contact you in the way and at the times you chose.',
	 true, 200, false)
) AS q(position, name, kind, section, label, hint, required, max_length, sensitive)
WHERE f.name = 'referral' AND v.version = 1;

-- ---------------------------------------------------------------------------
-- Options
-- ---------------------------------------------------------------------------

-- Boroughs: the same 35 choices on both forms.
INSERT INTO form_option (version_id, field_name, position, value, label)
SELECT v.id, 'borough', b.position, b.value, b.label
FROM form_version v
JOIN form f ON f.id = v.form_id
CROSS JOIN (VALUES
	(1, 'barking-and-dagenham', 'Barking and Dagenham'),
	(2, 'barnet', 'Barnet'),
	(3, 'bexley', 'Bexley'),
	(4, 'brent', 'Brent'),
	(5, 'bromley', 'Bromley'),
	(6, 'camden', 'Camden'),
	(7, 'city-of-london', 'City of London'),
	(8, 'croydon', 'Croydon'),
	(9, 'ealing', 'Ealing'),
	(10, 'enfield', 'Enfield'),
	(11, 'greenwich', 'Greenwich'),
	(12, 'hackney', 'Hackney'),
	(13, 'hammersmith-and-fulham', 'Hammersmith and Fulham'),
	(14, 'haringey', 'Haringey'),
	(15, 'harrow', 'Harrow'),
	(16, 'havering', 'Havering'),
	(17, 'hillingdon', 'Hillingdon'),
	(18, 'hounslow', 'Hounslow'),
	(19, 'islington', 'Islington'),
	(20, 'kensington-and-chelsea', 'Kensington and Chelsea'),
	(21, 'kingston-upon-thames', 'Kingston upon Thames'),
	(22, 'lambeth', 'Lambeth'),
	(23, 'lewisham', 'Lewisham'),
	(24, 'merton', 'Merton'),
	(25, 'newham', 'Newham'),
	(26, 'redbridge', 'Redbridge'),
	(27, 'richmond-upon-thames', 'Richmond upon Thames'),
	(28, 'southwark', 'Southwark'),
	(29, 'sutton', 'Sutton'),
	(30, 'tower-hamlets', 'Tower Hamlets'),
	(31, 'waltham-forest', 'Waltham Forest'),
	(32, 'wandsworth', 'Wandsworth'),
	(33, 'westminster', 'Westminster'),
	(34, 'outside-london', 'Outside London'),
	(35, 'prefer-not-to-say', 'Prefer not to say')
) AS b(position, value, label)
WHERE f.name IN ('consultation', 'referral') AND v.version = 1;

-- Consultation: the five-point scale, once for each proposed priority.
INSERT INTO form_option (version_id, field_name, position, value, label)
SELECT v.id, p.field_name, s.position, s.value, s.label
FROM form_version v
JOIN form f ON f.id = v.form_id
CROSS JOIN (VALUES
	('priority_prevention'),
	('priority_exploitation'),
	('priority_support'),
	('priority_justice')
) AS p(field_name)
CROSS JOIN (VALUES
	(1, 'strongly-agree', 'Strongly agree'),
	(2, 'agree', 'Agree'),
	(3, 'neutral', 'Neither agree nor disagree'),
	(4, 'disagree', 'Disagree'),
	(5, 'strongly-disagree', 'Strongly disagree')
) AS s(position, value, label)
WHERE f.name = 'consultation' AND v.version = 1;

-- Consultation: the other choices.
INSERT INTO form_option (version_id, field_name, position, value, label, hint)
SELECT v.id, o.field_name, o.position, o.value, o.label, o.hint
FROM form_version v
JOIN form f ON f.id = v.form_id
CROSS JOIN (VALUES
	('respondent_type', 1, 'individual', 'For myself, as an individual', ''),
	('respondent_type', 2, 'organisation', 'For an organisation', 'For example, a charity, a school, a council or a business.'),

	('lived_experience', 1, 'yes', 'Yes', ''),
	('lived_experience', 2, 'no', 'No', ''),
	('lived_experience', 3, 'prefer-not-to-say', 'Prefer not to say', ''),

	('publish_consent', 1, 'with-name', 'Yes, with my name', 'If you answer for an organisation, we will use its name.'),
	('publish_consent', 2, 'anonymously', 'Yes, but without my name', 'We will take out your name and anything else that shows who you are.'),
	('publish_consent', 3, 'do-not-publish', 'No, do not publish my response', 'We will still read it and count it.')
) AS o(field_name, position, value, label, hint)
WHERE f.name = 'consultation' AND v.version = 1;

-- Referral: every choice.  A notice is shown beside its option as soon as it
-- is chosen, and again on the confirmation page.
INSERT INTO form_option (version_id, field_name, position, value, label, hint, notice)
SELECT v.id, o.field_name, o.position, o.value, o.label, o.hint, o.notice
FROM form_version v
JOIN form f ON f.id = v.form_id
CROSS JOIN (VALUES
	('support_wanted', 1, 'counselling', 'Counselling or therapy',
	 'Talking with a trained counsellor, on your own or in a group.', ''),
	('support_wanted', 2, 'advocacy-isva', 'An adviser to support you and speak up for you (an ISVA)',
	 'An independent sexual violence adviser. They can help with things like housing, immigration or the police, if you choose.', ''),
	('support_wanted', 3, 'help-to-exit', 'Help to leave prostitution',
	 'Support at your own pace, when you are ready.', ''),
	('support_wanted', 4, 'trafficking-support', 'Support after trafficking',
	 'If someone moved you from place to place, or forced you to work or have sex.', ''),
	('support_wanted', 5, 'young-peoples-service', 'A service for young people',
	 'For young people aged 13 to 16.', ''),
	('support_wanted', 6, 'not-sure', 'I am not sure',
	 'A support worker can talk it through with you.', ''),

	('what_happened', 1, 'rape-sexual-assault', 'Rape or sexual assault', '', ''),
	('what_happened', 2, 'childhood-sexual-abuse', 'Sexual abuse when I was a child', '', ''),
	('what_happened', 3, 'domestic-abuse', 'Domestic abuse',
	 'By a partner, an ex-partner or a family member.', ''),
	('what_happened', 4, 'sexual-exploitation', 'Sexual exploitation',
	 'Someone made you do sexual things in return for something, or used you to make money.', ''),
	('what_happened', 5, 'prostitution', 'Selling sex or being in prostitution', '', ''),
	('what_happened', 6, 'trafficking', 'Trafficking', '', ''),
	('what_happened', 7, 'stalking-harassment', 'Stalking or harassment', '', ''),
	('what_happened', 8, 'forced-marriage-honour', 'Forced marriage or so-called honour-based abuse', '', ''),
	('what_happened', 9, 'fgm', 'Female genital mutilation (FGM)', '', ''),
	('what_happened', 10, 'war-conflict', 'Sexual violence in war or conflict', '', ''),
	('what_happened', 11, 'something-else', 'Something else', '', ''),
	('what_happened', 12, 'prefer-not-to-say', 'I would rather not say', '', ''),

	('when_happened', 1, 'last-7-days', 'In the last 7 days', '',
	 'You can get help now, without waiting for us to contact you. If you were raped or sexually assaulted in the last 7 days, you can go to a sexual assault referral centre, called the Havens. They are open 24 hours a day, every day. They can give you medical care and emotional support. They can also do a forensic exam, which collects evidence in case you want to use it later. You can go without reporting to the police. You decide. Go as soon as you can. If you can, try not to wash, and keep the clothes you wore. It is still worth going if you have washed. Search for ''The Havens London'' or call 999 in an emergency.'),
	('when_happened', 2, 'last-year', 'More than 7 days ago, but in the last year', '', ''),
	('when_happened', 3, 'longer-ago', 'More than a year ago', '', ''),
	('when_happened', 4, 'prefer-not-to-say', 'I would rather not say', '', ''),

	('age_band', 1, 'under-18', 'Under 18', '',
	 'Thank you for telling us. You can still ask for help, and you have done the right thing. Because you are under 18, the service may need to share some information to keep you safe. For example, they may talk to a social worker. They will try to talk to you first and tell you what they share and why. You can also talk to a teacher, a school nurse or another adult you trust. You can call Childline free on 0800 1111, at any time. If you are in danger now, call 999.'),
	('age_band', 2, '18-24', '18 to 24', '', ''),
	('age_band', 3, '25-34', '25 to 34', '', ''),
	('age_band', 4, '35-44', '35 to 44', '', ''),
	('age_band', 5, '45-54', '45 to 54', '', ''),
	('age_band', 6, '55-64', '55 to 64', '', ''),
	('age_band', 7, '65-or-over', '65 or over', '', ''),
	('age_band', 8, 'prefer-not-to-say', 'I would rather not say', '', ''),

	('contact_method', 1, 'phone', 'Phone call', '', ''),
	('contact_method', 2, 'text', 'Text message', '', ''),
	('contact_method', 3, 'email', 'Email', '', ''),
	('contact_method', 4, 'no-contact-yet', 'Do not contact me yet',
	 'Choose this if it is not safe to contact you now. You can tell us more in the box at the end.', ''),

	('voicemail_safe', 1, 'yes', 'Yes, it is safe', '', ''),
	('voicemail_safe', 2, 'no', 'No, do not leave messages', '', ''),

	('told_police', 1, 'yes', 'Yes', '', ''),
	('told_police', 2, 'no', 'No', '', ''),
	('told_police', 3, 'prefer-not-to-say', 'I would rather not say', '', ''),

	('consent_contact', 1, 'yes', 'I agree to be contacted by a support service', '', '')
) AS o(field_name, position, value, label, hint, notice)
WHERE f.name = 'referral' AND v.version = 1;

RESET ROLE;

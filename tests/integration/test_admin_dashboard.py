#!/usr/bin/env python3
"""The admin dashboard (issue 3; docs/THREAT-MODEL.md threat 6): totals
and the counts of each plain choice agree with the database, before and
after a batch of submissions, and no answer is shown in clear.

Figures: dashboard_total_<form>, dashboard_canary_hits."""

import html
import json
import re

import html_checks
import rows
from admin_client import enrol, sign_in
from csv_export import labels
from export_answers import N_PER_FORM, add_submissions
from forms import CHOICE_KINDS


def parse_dashboard(text):
    """{form: {'total': n, 'today': n, 'questions': {label: {option: n}}}}."""
    out = {}
    for m in re.finditer(r'<section class="stats" aria-labelledby="stats-'
                         r'([a-z0-9-]+)">(.*?)</section>', text, re.S):
        body = m.group(2)
        d = {}
        for k in ('Total', 'Today'):
            mm = re.search(r'<dt>%s</dt><dd>(\d+)</dd>' % k, body)
            d[k.lower()] = int(mm.group(1)) if mm else None
        qs = {}
        for t in re.finditer(r'<table class="table">\s*<caption>(.*?)'
                             r'</caption>(.*?)</table>', body, re.S):
            qs[html.unescape(t.group(1))] = {
                html.unescape(a): int(b) for a, b in re.findall(
                    r'<tr><td>(.*?)</td><td>(\d+)</td></tr>', t.group(2))}
        d['questions'] = qs
        out[m.group(1)] = d
    return out


def db_counts(ctx, form_name):
    """Totals and plain-choice counts computed here from the rows."""
    plains = json.loads(ctx.stack.psql(
        "SELECT coalesce(json_agg(s.plain), '[]'::json) FROM vawg.submission "
        "s JOIN vawg.form_version v ON v.id = s.version_id JOIN vawg.form f "
        "ON f.id = v.form_id WHERE f.name = '%s';" % form_name))
    form = ctx.form(form_name)
    labs = {d['name']: d for d in labels(ctx)[form_name]}
    qs = {}
    for f in form.fields:
        if f.sensitive or f.kind not in CHOICE_KINDS:
            continue
        opts = labs[f.name]['options']
        counts = {opts[o.value]: 0 for o in f.options}
        for p in plains:
            v = p.get(f.name)
            for x in (v if isinstance(v, list) else ([] if v is None else
                                                     [v])):
                counts[opts.get(x, x)] = counts.get(opts.get(x, x), 0) + 1
        qs[labs[f.name]['label']] = counts
    return len(plains), qs


def test_admin_dashboard_counts(ctx):
    a = sign_in(ctx, enrol(ctx, 'it-dash'))
    r0 = a.get('/admin/')
    assert r0.status == 200, 'dashboard: %s' % html_checks.describe(r0)
    before = parse_dashboard(r0.text)
    sent = add_submissions(ctx, N_PER_FORM)
    r1 = a.get('/admin/')
    after = parse_dashboard(r1.text)
    probs = []
    for name in ('consultation', 'referral'):
        if name not in after or name not in before:
            probs.append('the dashboard has no section for %s' % name)
            continue
        n_mine = sum(1 for x in sent.values() if x.form.name == name)
        total, qs = db_counts(ctx, name)
        d, b = after[name], before[name]
        if d['total'] != total:
            probs.append('%s: dashboard total %s, the database holds %d'
                         % (name, d['total'], total))
        if d['today'] is None or d['today'] > total:
            probs.append('%s: today %s' % (name, d['today']))
        if b['total'] is not None and d['total'] is not None and \
                d['total'] - b['total'] != n_mine:
            probs.append('%s: total went from %s to %s after %d submissions'
                         % (name, b['total'], d['total'], n_mine))
        if d['questions'] != qs:
            probs.append('%s: choice counts %r, expected %r'
                         % (name, d['questions'], qs))
        ctx.figure('dashboard_total_%s' % name, d['total'])
    hits = rows.canaries_in(r1.body, ctx.canaries)
    ctx.figure('dashboard_canary_hits', len(hits))
    assert not hits, 'the dashboard shows answers in clear: %s' % hits[:3]
    assert not probs, '; '.join(probs)

#!/usr/bin/env python3
"""Issue 21's size limits on harness/src: no file over 800 lines, no
function over 150 (a function: a line starting with '{' after its
signature, to the next line starting with '}', as the kernel style
writes them).  Prints one line per breach, or "ok"; exit 1 on a breach."""
import re, sys, glob
bad = []
for f in sorted(glob.glob('harness/src/*/*.c')):
    lines = open(f, encoding='utf-8', errors='replace').read().split('\n')
    if len(lines) - 1 > 800:
        bad.append('%s: %d lines' % (f, len(lines) - 1))
    start = None
    for i, l in enumerate(lines):
        if start is None and l.startswith('{') and i > 0:
            start = i
            # the name: nearest previous line with '('
            j = i - 1
            while j > 0 and '(' not in lines[j]:
                j -= 1
            name = lines[j].strip()
        elif start is not None and l.startswith('}'):
            n = i - start + 1
            if n > 150:
                bad.append('%s:%d: %s: %d lines' % (f, start + 1, name[:60], n))
            start = None
print('\n'.join(bad) if bad else 'ok')
sys.exit(1 if bad else 0)

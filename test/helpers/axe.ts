// axe-core's WCAG 2.1 A and AA rules, run inside the page as it is on screen.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const source = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** One violation as a reader of a failing test needs it: the rule, its impact, where. */
export interface Violation { id: string; impact: string | null; help: string; targets: string[]; why: string[] }

/**
 * The page's WCAG 2.1 A/AA violations (axe's `wcag2a`, `wcag2aa`, `wcag21a`, `wcag21aa` tags).
 * Injected through the DevTools protocol's evaluation, not a `<script>`, so the dashboard's strict
 * Content-Security-Policy does not block it and the page is checked exactly as served.
 */
export async function axeViolations(page: Page): Promise<Violation[]> {
  await page.evaluate(source);
  return page.evaluate(async () => {
    type Node = { target: string[]; failureSummary?: string };
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: Node[] }[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')), why: v.nodes.map((n) => n.failureSummary ?? ''),
    }));
  });
}

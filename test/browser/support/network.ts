/**
 * A slow network for the browser tests: answers that reach the page long after the engine gave
 * them, so a test can show that an older answer arriving late does not undo a newer change.
 */
import type { Page, Route } from 'playwright-core';

/**
 * Delays by `ms` every GET answer whose URL `matches` (other requests go through as they are).
 * @returns a function that restores the network
 */
export async function delayAnswers(
  page: Page,
  matches: (url: URL) => boolean,
  ms: number,
): Promise<() => Promise<void>> {
  const slowly = async (route: Route): Promise<void> => {
    if (route.request().method() !== 'GET') return route.fallback();
    try {
      const response = await route.fetch();
      await new Promise((resolve) => setTimeout(resolve, ms));
      await route.fulfill({ response });
    } catch {
      // the page moved on (closed or navigated) before the answer was due
    }
  };
  await page.route(matches, slowly);
  return () => page.unroute(matches, slowly);
}

/** The list of recurring runs (`GET /apis/v2beta1/recurringruns`). */
export const recurringRunLists = (url: URL): boolean =>
  url.pathname.endsWith('/apis/v2beta1/recurringruns');

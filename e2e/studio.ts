// Page object for the studio: the stable data-testid hooks and the few waits every spec needs.
import { expect, type Page } from '@playwright/test';

export class Studio {
  constructor(readonly page: Page) {}

  /** Opens the studio and waits for its dataset: the built-in set, unless one was cached last. */
  async open(query = '', dataset = 'Built-in shapes') {
    await this.page.goto(`/${query}`);
    await expect(this.page.getByTestId('dataset-summary')).toContainText(dataset, {
      timeout: 60_000,
    });
  }

  stepCount = async () => Number(await this.page.getByTestId('step-counter').textContent());

  async waitForSteps(atLeast: number, timeout = 120_000) {
    await expect
      .poll(this.stepCount, { timeout, message: `waiting for step ${atLeast}` })
      .toBeGreaterThanOrEqual(atLeast);
  }

  runState = () => this.page.getByTestId('run-state');

  /** Number of series inside a chart card that draw something (a line, or dots). */
  async marks(testId: string) {
    return this.page.getByTestId(testId).locator('.live-line[d^="M"], .live-dots[d^="M"]').count();
  }

  /** Moves a range slider to its maximum with the keyboard, as a user can. */
  async sliderToMax(testId: string) {
    const slider = this.page.getByTestId(testId);
    await slider.focus();
    await slider.press('End');
  }
}

declare module 'plotly.js-dist-min' {
  const Plotly: {
    newPlot(
      node: HTMLElement,
      data: unknown[],
      layout?: unknown,
      config?: unknown,
    ): Promise<unknown>;
    relayout(node: HTMLElement, update: Record<string, unknown>): Promise<unknown>;
    react(node: HTMLElement, data: unknown[], layout?: unknown, config?: unknown): Promise<unknown>;
    purge(node: HTMLElement): void;
    Plots: { resize(node: HTMLElement): void };
  };
  export default Plotly;
}

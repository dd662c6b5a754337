/** Runs task(0)…task(count - 1) in order, `lanes` at a time; resolves with the seconds taken. */
export async function inLanes(
  count: number,
  lanes: number,
  task: (index: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < count; i = next++) await task(i);
  };
  const startedAt = performance.now();
  await Promise.all(Array.from({ length: Math.min(lanes, count) }, lane));
  return (performance.now() - startedAt) / 1000;
}

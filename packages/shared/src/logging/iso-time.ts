let lastMs = -1;
let lastTime = '';

/** pino's ISO time field (`,"time":"…"`), formatted once per millisecond (a busy proxy writes several lines per ms). */
export function isoTime(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}

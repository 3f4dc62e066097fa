// Spoke's sandbox admin API, for tests that set up portals, apps and limits
// the way a user's test script would.

export async function admin(method, path, body) {
  const response = await fetch(process.env.SPOKE_URL + path, {
    method,
    headers: {
      authorization: `Bearer ${process.env.SPOKE_ADMIN_TOKEN}`,
      'content-type': 'application/json',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`${method} ${path}: ${response.status} ${text}`);
  }
  return text ? JSON.parse(text) : null;
}

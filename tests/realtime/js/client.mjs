// The official socket.io-client v4 against a running hub, driven by test_js_client.py.
// Env: HUB_URL, HUB_TOKEN, THREAD_ID. Prints one JSON object per line:
// refused (a bad token), joined, sent (the ack), ready, received (a message:new), then exits 0.
import { io } from "socket.io-client";

const { HUB_URL, HUB_TOKEN, THREAD_ID } = process.env;
const say = (event, data) => console.log(JSON.stringify({ event, data }));
setTimeout(() => { say("timeout", null); process.exit(1); }, 20000);

function refusedWith(token) {
  return new Promise((resolve) => {
    const socket = io(HUB_URL, { auth: { token }, reconnection: false });
    socket.on("connect", () => { socket.disconnect(); resolve(null); });
    socket.on("connect_error", (err) => { socket.disconnect(); resolve(err.message); });
  });
}

say("refused", await refusedWith("not-a-token"));

// Default transports: long-polling first, then the upgrade to a websocket.
const socket = io(HUB_URL, { auth: { token: HUB_TOKEN }, reconnection: false });
await new Promise((resolve, reject) => {
  socket.on("connect", resolve);
  socket.on("connect_error", reject);
});
socket.on("message:new", (message) => {
  say("received", message);
  socket.disconnect();
  process.exit(0);
});
say("joined", await socket.timeout(10000).emitWithAck("thread:join", { threadId: THREAD_ID }));
const sent = await socket.timeout(10000).emitWithAck("message:send", {
  threadId: THREAD_ID,
  clientMsgId: "js-1",
  content: "Hi! My WhatsApp is +1 415 555 0134, mail jane.doe@gmail.com",
});
say("sent", sent);
if (socket.io.engine.transport.name !== "websocket") {
  await new Promise((resolve) => socket.io.engine.once("upgrade", resolve));
}
say("ready", { transport: socket.io.engine.transport.name });

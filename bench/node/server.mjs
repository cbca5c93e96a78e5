// The Node reference server of the benchmark: `node server.mjs --port P`.
// socket.io 4.8.4 with its defaults (ping interval 25 s, ping timeout 20 s, CORS off), at
// /socket.io/, namespace "/":
//   - "echo": answered by calling the ack with the same arguments;
//   - "broadcast": answered by emitting "msg" with the same arguments to every socket of the
//     namespace, the sender included.
// Prints "listening on 127.0.0.1:P" when ready.
import { createServer } from "node:http";
import { Server } from "socket.io";

const i = process.argv.indexOf("--port");
const port = i > 0 ? Number(process.argv[i + 1]) : 3000;

const httpServer = createServer();
const io = new Server(httpServer, { serveClient: false });

io.on("connection", (socket) => {
  socket.on("echo", (...args) => {
    const ack = args.pop();
    if (typeof ack === "function") ack(...args);
  });
  socket.on("broadcast", (...args) => {
    if (typeof args[args.length - 1] === "function") args.pop();
    io.emit("msg", ...args);
  });
});

httpServer.listen(port, "127.0.0.1", () => {
  console.log(`listening on 127.0.0.1:${port}`);
});

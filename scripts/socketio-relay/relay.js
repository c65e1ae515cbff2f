// A Socket.IO relay, the peer of `bench chat --against-socketio`: what a team could run instead
// of Switchboard with a few lines of Node.js. Visitors emit "message" with an acknowledgement;
// the relay broadcasts it to the "agents" room and acknowledges. It stores nothing.
// Listens on 127.0.0.1 at the port in the PORT environment variable (any free one when unset)
// and says where once it does.
const http = require("node:http");
const { Server } = require("socket.io");

const server = http.createServer();
// Pinged every 25 s and dropped after 75 s without an answer, as Switchboard's sockets are.
const io = new Server(server, {
  transports: ["websocket"],
  serveClient: false,
  pingInterval: 25000,
  pingTimeout: 50000,
});

io.on("connection", (socket) => {
  socket.on("join", (room, ack) => {
    socket.join(room);
    ack();
  });
  socket.on("message", (message, ack) => {
    io.to("agents").emit("message", message);
    ack();
  });
});

server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  console.log(`listening on 127.0.0.1:${server.address().port}`);
});

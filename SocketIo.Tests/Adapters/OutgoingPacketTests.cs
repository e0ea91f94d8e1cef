using Newtonsoft.Json.Linq;
using NUnit.Framework;
using SocketIo.Server;
using SocketIo.Server.Adapters;
using SocketIo.Server.Protocol;

namespace SocketIo.Tests.Adapters;

/// <summary>A broadcast's frames are encoded once per parser and shared by every recipient.</summary>
[TestFixture]
public sealed class OutgoingPacketTests
{
    private static readonly SocketIoPacket News = new(SocketIoPacketType.Event, "/", new JArray("news", new JValue(new byte[] { 1 })));

    [Test]
    public void TheFramesOfOneParser_AreEncodedOnce_AndShared()
    {
        var packet = OutgoingPacket.Create(News, BroadcastFlags.None);

        var json = packet.WireFor(SocketIoParser.Default);
        Assert.That(packet.WireFor(SocketIoParser.Default), Is.SameAs(json));
        Assert.That(json, Has.Count.EqualTo(2), "the default parser: a text frame and one attachment");

        var msgpack = packet.WireFor(SocketIoParser.Msgpack);
        Assert.That(packet.WireFor(SocketIoParser.Msgpack), Is.SameAs(msgpack));
        Assert.That(msgpack, Has.Count.EqualTo(1), "msgpack: one binary message, the bytes inside it");
        Assert.That(msgpack[0].IsBinary, Is.True);
        Assert.That(packet.WireFor(SocketIoParser.Default), Is.SameAs(json), "each parser keeps its own frames");
    }
}

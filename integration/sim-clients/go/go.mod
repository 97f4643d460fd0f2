module provisionkit.io/simclient

go 1.19

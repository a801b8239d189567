def policy_context(request):
    source_ip = "0.0.0.0"  # unknown client
    return {"aws:SourceIp": request.remote_addr or source_ip}
